import {
  ExpectedVersionConflictError,
  isExpectedVersionConflictError,
  NO_CONCURRENCY_CHECK,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  ValidationError,
} from '@event-driven-io/emmett';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamIdOf } from '../../src/core/index.ts';
import { toNewEvents, toReadEvent } from '../../src/emmett/events.ts';
import { streamNameMapping } from '../../src/emmett/streamNames.ts';
import { toExpectedVersion, versionConflict } from '../../src/emmett/versions.ts';

const aggregateType = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/);
const aggregateId = fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,40}$/);

describe('Emmett stream names without an aggregate type', () => {
  const toStream = streamNameMapping();

  it('name the stream they spell: shopping_cart-42 is aggregate shopping_cart, id 42', () => {
    expect(toStream('shopping_cart-42')).toEqual({ aggregateType: 'shopping_cart', aggregateId: '42' });
    expect(toStream('Order-2024-01-a')).toEqual({ aggregateType: 'Order', aggregateId: '2024-01-a' });
  });

  it('are rejected with a clear error when they do not spell {aggregateType}-{aggregateId}', () => {
    for (const name of ['nodash', '-42', '9cart-1', 'shopping-cart!-1', 'cart-', 'cart-has space', '', 'cart-' + 'x'.repeat(129), 42])
      expect(() => toStream(name), String(name)).toThrow(/must be "\{aggregateType\}-\{aggregateId\}"/);
  });

  it('map distinct names to distinct streams, and every valid stream id to itself', () => {
    fc.assert(
      fc.property(aggregateType, aggregateId, (type, id) => {
        const name = `${type}-${id}`;
        expect(streamIdOf(toStream(name))).toBe(name);
      }),
    );
  });
});

describe('Emmett stream names with an aggregate type', () => {
  const toStream = streamNameMapping('ShoppingCart');

  it('name the stream {aggregateType}-{name}, dashes and all', () => {
    expect(toStream('42')).toEqual({ aggregateType: 'ShoppingCart', aggregateId: '42' });
    expect(toStream('a-b')).toEqual({ aggregateType: 'ShoppingCart', aggregateId: 'a-b' });
    expect(toStream('3f1c2b9e-9a7d-4c1e-8f00-1234567890ab').aggregateId).toBe('3f1c2b9e-9a7d-4c1e-8f00-1234567890ab');
  });

  it('map distinct names to distinct streams', () => {
    fc.assert(
      fc.property(aggregateId, aggregateId, (a, b) => {
        fc.pre(a !== b);
        expect(streamIdOf(toStream(a))).not.toBe(streamIdOf(toStream(b)));
      }),
    );
  });

  it('are rejected with a clear error when they are not a valid aggregate id', () => {
    expect(() => toStream('has space')).toThrow(/not a valid aggregate id of "ShoppingCart"/);
    expect(() => toStream('')).toThrow(ValidationError);
    expect(() => toStream('x'.repeat(129))).toThrow(ValidationError);
  });

  it('need a valid aggregate type', () => {
    expect(() => streamNameMapping('shopping-cart')).toThrow(/aggregateType "shopping-cart" is not valid/);
  });
});

describe('Emmett expected versions', () => {
  it('map to the log expected versions', () => {
    expect(toExpectedVersion(undefined)).toBe('any');
    expect(toExpectedVersion(NO_CONCURRENCY_CHECK)).toBe('any');
    expect(toExpectedVersion(STREAM_DOES_NOT_EXIST)).toBe('no_stream');
    expect(toExpectedVersion(STREAM_EXISTS)).toBe('exists');
    expect(toExpectedVersion(0n)).toBe('no_stream');
    expect(toExpectedVersion(7n)).toBe(7);
    expect(toExpectedVersion(7)).toBe(7);
  });

  it('are rejected when they are none of those', () => {
    for (const bad of [-1n, 'STREAM_MAYBE', 1.5, BigInt(Number.MAX_SAFE_INTEGER) + 1n, null])
      expect(() => toExpectedVersion(bad), String(bad)).toThrow(ValidationError);
  });

  it('conflicts are Emmett version conflicts carrying expected and current', () => {
    const error = versionConflict(STREAM_DOES_NOT_EXIST, 3);
    expect(error).toBeInstanceOf(ExpectedVersionConflictError);
    expect(isExpectedVersionConflictError(error)).toBe(true);
    expect(error).toMatchObject({ expected: 'STREAM_DOES_NOT_EXIST', current: '3' });
    expect(versionConflict(2n, 5)).toMatchObject({ expected: '2', current: '5' });
  });
});

describe('Emmett events', () => {
  it('become new events of the log with their metadata', () => {
    expect(toNewEvents([{ type: 'Added', data: { n: 1 }, metadata: { correlationId: 'c' }, kind: 'Event' }, { type: 'Removed', data: {} }])).toEqual([
      { type: 'Added', data: { n: 1 }, metadata: { correlationId: 'c' } },
      { type: 'Removed', data: {} },
    ]);
  });

  it('are stored as JSON gives them back, whatever the backend', () => {
    expect(toNewEvents([{ type: 'A', data: { at: new Date(0), gone: undefined } }])).toEqual([{ type: 'A', data: { at: '1970-01-01T00:00:00.000Z' } }]);
  });

  it('are refused, all problems named at once, when they break the envelope rules', () => {
    const attempt = (events: unknown) => {
      try {
        toNewEvents(events);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(attempt([{ data: {} }])).toMatch(/events\.0\.type/);
    expect(attempt([{ type: 'A', data: [1] }])).toMatch(/events\.0\.data/);
    expect(attempt([{ type: 'A', data: 'text' }])).toMatch(/events\.0\.data/);
    expect(attempt([{ type: 'A', data: null }])).toMatch(/events\.0\.data/);
    expect(attempt([{ type: 'A', data: {}, metadata: 'm' }])).toMatch(/events\.0\.metadata/);
    expect(attempt([{ type: 'A', data: {}, metdata: {} }])).toMatch(/metdata/);
    expect(attempt([{ type: 'has space', data: {} }, { type: 'B' }])).toMatch(/events\.0\.type.*events\.1\.data/);
    expect(attempt([])).toMatch(/at least one event/);
    expect(attempt(Array.from({ length: 101 }, () => ({ type: 'A', data: {} })))).toMatch(/at most 100/);
    expect(attempt('not an array')).toMatch(/events/);
    expect(attempt([{ type: 'A', data: { big: 1n } }])).toMatch(/JSON/);
  });

  it('read back with Emmett read metadata over their own metadata', () => {
    const read = toReadEvent(
      {
        id: 'e1',
        streamId: 'Cart-1',
        aggregateType: 'Cart',
        aggregateId: '1',
        sequence: 4,
        type: 'Added',
        schemaVersion: 2,
        data: { n: 1 },
        metadata: { correlationId: 'c', streamPosition: 'spoofed' },
        recordedAt: '2030-01-01T00:00:00.000Z',
        region: 'westeurope',
      },
      '1',
    );
    expect(read).toEqual({
      type: 'Added',
      data: { n: 1 },
      kind: 'Event',
      metadata: {
        correlationId: 'c',
        messageId: 'e1',
        eventId: 'e1',
        streamName: '1',
        streamId: 'Cart-1',
        streamPosition: 4n,
        schemaVersion: 2,
        recordedAt: '2030-01-01T00:00:00.000Z',
        region: 'westeurope',
      },
    });
  });
});
