import { describe, expect, it } from 'vitest';
import { parseOrderBy, parseWhere, typedFieldValue, ValidationError, type ViewFields } from '../../src/core/index.ts';

const FIELDS: ViewFields = { status: 'string', votes: 'number', filedAt: 'date', urgent: 'boolean' };

const errorsOf = (work: () => unknown): Array<{ path: string; message: string }> => {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('where', () => {
  it('reads equality and ranges, typed by the declaration, joined by commas', () => {
    expect(parseWhere('status:open,votes>=3,filedAt<2025-01-02T03:04:05+01:00,urgent:false,votes<10', FIELDS)).toEqual([
      { field: 'status', type: 'string', op: 'eq', value: 'open' },
      { field: 'votes', type: 'number', op: 'gte', value: 3 },
      { field: 'filedAt', type: 'date', op: 'lt', value: '2025-01-02T02:04:05.000Z' },
      { field: 'urgent', type: 'boolean', op: 'eq', value: false },
      { field: 'votes', type: 'number', op: 'lt', value: 10 },
    ]);
  });

  it('keeps a comma inside double quotes, and a value may hold a colon', () => {
    expect(parseWhere('status:"a, b",status:x:y', FIELDS).map((c) => c.value)).toEqual(['a, b', 'x:y']);
  });

  it('is empty when absent or empty', () => {
    expect(parseWhere(undefined, FIELDS)).toEqual([]);
    expect(parseWhere('', FIELDS)).toEqual([]);
  });

  it('names every field at fault, and what the view can be queried on', () => {
    const errors = errorsOf(() => parseWhere('owner:me,votes:many,status>b,filedAt:soon,urgent:1,nonsense', FIELDS));
    expect(errors.map((e) => e.path)).toEqual(['query.where.owner', 'query.where.votes', 'query.where.status', 'query.where.filedAt', 'query.where.urgent', 'query.where']);
    expect(errors[0]!.message).toContain('status, votes, filedAt, urgent');
    expect(errors[2]!.message).toMatch(/ranges apply to number and date fields/);
  });

  it('does not take inherited names for declared fields', () => {
    expect(errorsOf(() => parseWhere('constructor:x', FIELDS)).map((e) => e.path)).toEqual(['query.where.constructor']);
  });

  it('says when a view declares no fields', () => {
    expect(errorsOf(() => parseWhere('a:1', {}))[0]!.message).toContain('declares no queryable fields');
  });

  it('refuses an empty number rather than reading it as 0', () => {
    expect(errorsOf(() => parseWhere('votes:', FIELDS)).map((e) => e.path)).toEqual(['query.where.votes']);
  });
});

describe('orderBy', () => {
  it('reads a field and a direction, ascending by default', () => {
    expect(parseOrderBy('votes', FIELDS)).toEqual({ field: 'votes', type: 'number', direction: 'asc' });
    expect(parseOrderBy('filedAt:desc', FIELDS)).toEqual({ field: 'filedAt', type: 'date', direction: 'desc' });
    expect(parseOrderBy(undefined, FIELDS)).toBeUndefined();
  });

  it('names an unknown field, and refuses a bad direction', () => {
    expect(errorsOf(() => parseOrderBy('owner', FIELDS)).map((e) => e.path)).toEqual(['query.orderBy.owner']);
    expect(errorsOf(() => parseOrderBy('votes:up', FIELDS)).map((e) => e.path)).toEqual(['query.orderBy']);
  });
});

describe('typed field values', () => {
  it('are the value when it has the declared type, else nothing', () => {
    expect(typedFieldValue({ votes: 3 }, 'votes', 'number')).toBe(3);
    expect(typedFieldValue({ votes: '3' }, 'votes', 'number')).toBeUndefined();
    expect(typedFieldValue({ urgent: true }, 'urgent', 'boolean')).toBe(true);
    expect(typedFieldValue({ filedAt: 5 }, 'filedAt', 'date')).toBeUndefined();
    expect(typedFieldValue({}, 'status', 'string')).toBeUndefined();
  });
});
