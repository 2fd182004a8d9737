import { describe, expect, it } from 'vitest';
import {
  decodeSegment,
  digestOf,
  encodeSegment,
  isReservedEventType,
  refusesAppend,
  segmentName,
  STREAM_CLOSED,
  STREAM_DELETED,
  type EventEnvelope,
} from '../../src/core/index.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { parseArchiveRules } from '../../src/lifecycle/archivePolicy.ts';

const envelope = (sequence: number): EventEnvelope => ({
  id: `00000000-0000-7000-8000-00000000000${sequence}`,
  streamId: 'Order-a:b@c',
  aggregateType: 'Order',
  aggregateId: 'a:b@c',
  sequence,
  type: 'Placed',
  schemaVersion: 1,
  data: { total: 30, note: 'line\nbreak' },
  metadata: { correlationId: 'c-1' },
  recordedAt: '2026-01-01T00:00:00.000Z',
  region: 'westeurope',
});

describe('the lifecycle kernel', () => {
  it('a closed stream takes only its deletion; a deleted one nothing', () => {
    expect(refusesAppend(undefined, 'Placed')).toBe(false);
    expect(refusesAppend('Placed', STREAM_CLOSED)).toBe(false);
    expect(refusesAppend(STREAM_CLOSED, 'Placed')).toBe(true);
    expect(refusesAppend(STREAM_CLOSED, STREAM_CLOSED)).toBe(true);
    expect(refusesAppend(STREAM_CLOSED, STREAM_DELETED)).toBe(false);
    expect(refusesAppend(STREAM_DELETED, STREAM_DELETED)).toBe(true);
    expect(isReservedEventType('eventlog.Anything')).toBe(true);
    expect(isReservedEventType('eventlogged')).toBe(false);
  });

  it('a segment is one envelope a line and decodes to the same events; its digest is of its bytes', () => {
    const events = [envelope(1), envelope(2)];
    const content = encodeSegment(events);
    expect(Buffer.from(content).toString('utf8').split('\n')).toHaveLength(3);
    expect(decodeSegment(content)).toEqual(events);
    expect(digestOf(content)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digestOf(content)).not.toBe(digestOf(encodeSegment([envelope(1)])));
  });

  it('names segments by stream and range, sortable, with the id escaped', () => {
    expect(segmentName({ aggregateType: 'Order', aggregateId: 'a:b@c' }, 1, 12)).toBe('Order/a%3Ab%40c/000000000001-000000000012.jsonl');
  });

  it('reads a policy of type:days pairs and refuses anything else with the part it could not read', () => {
    expect(parseArchiveRules(' user:30, post:90 ')).toEqual([
      { aggregateType: 'user', idleDays: 30 },
      { aggregateType: 'post', idleDays: 90 },
    ]);
    expect(() => parseArchiveRules('user:30,post')).toThrow('"post" is not <aggregateType>:<idle days>');
  });

  it('the stream view marks a closed stream and drops a deleted one', () => {
    const view = streamProjection.views[0]!;
    const open = view.reduce(undefined, envelope(1), 'Order-a:b@c');
    const closed = view.reduce(open as never, { ...envelope(2), type: STREAM_CLOSED }, 'Order-a:b@c');
    expect(closed).toMatchObject({ version: 2, eventCount: 2, closed: true, lastEventType: STREAM_CLOSED });
    expect(open).not.toHaveProperty('closed');
    expect(view.reduce(closed as never, { ...envelope(3), type: STREAM_DELETED }, 'Order-a:b@c')).toBeNull();
  });
});
