import { describe, expect, it } from 'vitest';
import { canonicalJson, EventEnvelope, NewEvent } from '../../src/core/index.ts';

// The envelope schemas check data and metadata without rebuilding them: every own key survives,
// whatever it is called. (A JS literal `{ __proto__: x }` sets a prototype, so the inputs are JSON text.)

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('event schemas keep data and metadata as sent', () => {
  it('a new event keeps own __proto__, constructor and prototype keys, as the same objects', () => {
    const input = json('{"type":"A","data":{"__proto__":{"p":1},"constructor":{"prototype":1},"prototype":2},"metadata":{"__proto__":{"m":1},"correlationId":"c"}}');
    const parsed = NewEvent.parse(input);
    expect(parsed.data).toBe(input.data);
    expect(parsed.metadata).toBe(input.metadata);
    expect(Object.keys(parsed.data)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(JSON.stringify(parsed.metadata)).toBe('{"__proto__":{"m":1},"correlationId":"c"}');
  });

  it('a stored envelope read back keeps them too', () => {
    const stored = json(
      '{"id":"e","streamId":"A-1","aggregateType":"A","aggregateId":"1","sequence":1,"type":"T","schemaVersion":1,"data":{"__proto__":{"p":1}},"metadata":{"__proto__":{}},"recordedAt":"2025-01-01T00:00:00.000Z","region":"r","_etag":"x"}',
    );
    const parsed = EventEnvelope.parse(stored);
    expect(JSON.stringify(parsed.data)).toBe('{"__proto__":{"p":1}}');
    expect(JSON.stringify(parsed.metadata)).toBe('{"__proto__":{}}');
    expect(parsed).not.toHaveProperty('_etag');
  });

  it('still names what is wrong, with its path', () => {
    const issues = (input: unknown) => NewEvent.safeParse(input).error?.issues.map((issue) => issue.path.join('.'));
    expect(issues({ type: 'A', data: [1] })).toEqual(['data']);
    expect(issues({ type: 'A', data: null })).toEqual(['data']);
    expect(issues({ type: 'A', data: {}, metadata: 'x' })).toEqual(['metadata']);
    expect(issues({ type: 'A', data: {}, metadata: { correlationId: 3, causationId: [] } })).toEqual(['metadata.correlationId', 'metadata.causationId']);
  });

  it('the idempotency comparison tells a __proto__ key from its absence and from its contents', () => {
    const forms = ['{"p":1}', '{"__proto__":{"p":1}}', '{"__proto__":{"p":2}}', '{}'].map((text) => canonicalJson(json(text)));
    expect(new Set(forms).size).toBe(4);
    expect(canonicalJson(json('{"b":1,"__proto__":{"y":1,"x":2}}'))).toBe(canonicalJson(json('{"__proto__":{"x":2,"y":1},"b":1}')));
  });
});
