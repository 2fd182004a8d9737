import { describe, expect, it } from 'vitest';
import { ConflictError, GroupSettings, type FeedEntry, type GroupState } from '../../src/core/index.ts';
import { acknowledge, availableCount, expireLeases, fill, HELD_LIMIT, refuse, replayParked, roomFor, takeBatch } from '../../src/consumers/groups/groupState.ts';
import { eventOf } from './projectionsFixtures.ts';

// The pure transitions of a consumer group's record: what members are handed, and what acks, nacks,
// leases running out and replays do to it.

const AT = '2025-01-01T00:00:00.000Z';
const emptyGroup = (settings: Partial<GroupSettings> = {}): GroupState => ({
  group: 'g',
  region: 'r',
  settings: GroupSettings.parse({ leaseMs: 1_000, maxDeliveries: 3, ...settings }),
  held: [],
  parked: [],
  acknowledged: 0,
  createdAt: AT,
  updatedAt: AT,
});

const entries = (...refs: string[]): FeedEntry[] =>
  refs.map((ref, i) => {
    const [streamId, sequence] = ref.split('/') as [string, string];
    return { event: eventOf(streamId, Number(sequence), 'Happened'), cursor: String(i + 1) };
  });

const refsOf = (events: ReadonlyArray<{ streamId: string; sequence: number }>): string[] => events.map((e) => `${e.streamId}/${e.sequence}`);

const groupWith = (...refs: string[]): GroupState => fill(emptyGroup(), entries(...refs), String(refs.length));

describe('a consumer group record', () => {
  it('holds what it reads after what it holds, once per event, and moves its cursor', () => {
    const once = fill(groupWith('A-1/1'), entries('A-1/1', 'B-1/1'), '9');
    expect(refsOf(once.held.map((h) => h.event))).toEqual(['A-1/1', 'B-1/1']);
    expect(once.cursor).toBe('9');
  });

  it('hands a member events in feed order, up to the most it asks for, leased until now + leaseMs', () => {
    const { state, messages } = takeBatch(groupWith('A-1/1', 'B-1/1', 'C-1/1'), { member: 'm1', max: 2, batchId: 'b1', now: 100 });
    expect(refsOf(messages)).toEqual(['A-1/1', 'B-1/1']);
    expect(messages.map((m) => m.deliveryCount)).toEqual([1, 1]);
    expect(state.held.map((h) => h.lease)).toEqual([{ batchId: 'b1', member: 'm1', until: 1_100 }, { batchId: 'b1', member: 'm1', until: 1_100 }, undefined]);
  });

  it('does not hand another member a stream one member holds, not even its later events', () => {
    const first = takeBatch(groupWith('A-1/1'), { member: 'm1', max: 10, batchId: 'b1', now: 0 });
    const more = fill(first.state, entries('A-1/2', 'B-1/1'), '3');
    expect(availableCount(more)).toBe(1);
    const second = takeBatch(more, { member: 'm2', max: 10, batchId: 'b2', now: 0 });
    expect(refsOf(second.messages)).toEqual(['B-1/1']);
    const afterAck = acknowledge(second.state, 'b1', undefined).state;
    expect(refsOf(takeBatch(afterAck, { member: 'm2', max: 10, batchId: 'b3', now: 0 }).messages)).toEqual(['A-1/2']);
  });

  it('acknowledges a batch, or some of its events, and never hands those out again', () => {
    const taken = takeBatch(groupWith('A-1/1', 'A-1/2'), { member: 'm', max: 10, batchId: 'b', now: 0 }).state;
    const partly = acknowledge(taken, 'b', ['A-1#1']);
    expect(partly.acknowledged).toBe(1);
    expect(refsOf(partly.state.held.map((h) => h.event))).toEqual(['A-1/2']);
    const all = acknowledge(partly.state, 'b', undefined);
    expect(all.state).toMatchObject({ held: [], acknowledged: 2 });
  });

  it('refuses an ack of a batch no longer held (lease-expired) and of an event not in the batch (not-in-batch)', () => {
    const taken = takeBatch(groupWith('A-1/1'), { member: 'm', max: 10, batchId: 'b', now: 0 }).state;
    expect(() => acknowledge(taken, 'other', undefined)).toThrow(expect.objectContaining({ code: 'lease-expired' }));
    expect(() => acknowledge(taken, 'b', ['B-1#9'])).toThrow(ConflictError);
    expect(() => acknowledge(taken, 'b', ['B-1#9'])).toThrow(expect.objectContaining({ code: 'not-in-batch' }));
  });

  it('returns events whose lease ran out to the group, and parks one handed out maxDeliveries times', () => {
    let state = groupWith('A-1/1');
    for (let delivery = 1; delivery <= 3; delivery++) {
      const taken = takeBatch(state, { member: 'm', max: 10, batchId: `b${delivery}`, now: delivery * 10_000 });
      expect(taken.messages.map((m) => m.deliveryCount)).toEqual([delivery]);
      expect(expireLeases(taken.state, delivery * 10_000 + 999)).toBe(taken.state);
      state = expireLeases(taken.state, delivery * 10_000 + 1_000);
      if (delivery < 3) expect(state.held).toEqual([expect.objectContaining({ lease: undefined, lastError: 'lease ran out' })]);
    }
    expect(state.held).toEqual([]);
    expect(state.parked).toEqual([expect.objectContaining({ deliveries: 3, reason: 'handed out 3 times without an ack' })]);
  });

  it('on nack with retry returns the events at once, and parks them after maxDeliveries; on park sets them aside', () => {
    const taken = takeBatch(groupWith('A-1/1', 'B-1/1'), { member: 'm', max: 10, batchId: 'b', now: 0 }).state;
    const retried = refuse(taken, 'b', { action: 'retry', reason: 'busy' }, 0);
    expect(retried).toMatchObject({ returned: 2, parked: 0 });
    expect(retried.state.held.map((h) => h.lastError)).toEqual(['busy', 'busy']);
    const again = takeBatch(retried.state, { member: 'm', max: 10, batchId: 'c', now: 0 }).state;
    const parked = refuse(again, 'c', { action: 'park', eventIds: ['B-1#1'], reason: 'bad' }, 0);
    expect(parked).toMatchObject({ returned: 0, parked: 1 });
    expect(parked.state.parked).toEqual([expect.objectContaining({ reason: 'bad', deliveries: 2, event: expect.objectContaining({ id: 'B-1#1' }) })]);

    let worn = groupWith('C-1/1');
    for (let i = 0; i < 3; i++) worn = refuse(takeBatch(worn, { member: 'm', max: 1, batchId: `w${i}`, now: 0 }).state, `w${i}`, { action: 'retry' }, 0).state;
    expect(worn.held).toEqual([]);
    expect(worn.parked).toEqual([expect.objectContaining({ reason: 'refused by a member; handed out 3 times' })]);
  });

  it('replays parked events after what it holds, with their delivery count reset', () => {
    const taken = takeBatch(groupWith('A-1/1', 'B-1/1'), { member: 'm', max: 1, batchId: 'b', now: 0 }).state;
    const parked = refuse(taken, 'b', { action: 'park' }, 0).state;
    const replayed = replayParked(parked, undefined);
    expect(replayed.replayed).toBe(1);
    expect(replayed.state.parked).toEqual([]);
    expect(replayed.state.held.map((h) => [h.event.id, h.deliveries])).toEqual([
      ['B-1#1', 0],
      ['A-1#1', 0],
    ]);
    expect(replayParked(parked, ['nope']).replayed).toBe(0);
  });

  it('reads no more from the feed once it holds HELD_LIMIT events', () => {
    const refs = Array.from({ length: HELD_LIMIT }, (_, i) => `S-${i}/1`);
    expect(roomFor(groupWith(...refs.slice(1)))).toBe(1);
    expect(roomFor(groupWith(...refs))).toBe(0);
  });
});
