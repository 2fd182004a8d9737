import { describe, expect, it } from 'vitest';
import { ConsumerGroups } from '../../src/consumers/groups/consumerGroups.ts';
import { Signal } from '../../src/consumers/signal.ts';
import { appendEvents, feedSourceOf, GroupSettings, type EventEnvelope } from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';

// The consumer group service over the memory store and the log's feed: members racing for one record,
// groups from now, waits woken by appends.

const setup = () => {
  const log = new MemoryEventStore();
  const appended = new Signal();
  const groups = new ConsumerGroups({ store: openMemoryProjectionStorage().groups, source: feedSourceOf(log), region: 'r', appended, pollMs: 1_000 });
  const append = async (streamId: string, count: number): Promise<void> => {
    const [aggregateType, aggregateId] = streamId.split('-') as [string, string];
    await appendEvents(log, { stream: { aggregateType, aggregateId }, expectedVersion: 'any', events: Array.from({ length: count }, () => ({ type: 'Happened', data: {} })), region: 'r' });
    appended.notify();
  };
  return { groups, append };
};

const settings = (input: Partial<GroupSettings> = {}): GroupSettings => GroupSettings.parse(input);

describe('consumer groups over the log', () => {
  it('members racing for batches at once never get the same event, and each stream goes to one of them', async () => {
    const { groups, append } = setup();
    await groups.create('g', settings());
    for (let s = 0; s < 20; s++) await append(`S-${s}`, 3);
    const batches = await Promise.all(Array.from({ length: 8 }, (_, m) => groups.next('g', { member: `m${m}`, max: 10, waitMs: 0 })));
    const ids = batches.flatMap((b) => b.events.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
    const holder = new Map<string, string>();
    for (const batch of batches)
      for (const event of batch.events) {
        expect(holder.get(event.streamId) ?? batch.member).toBe(batch.member);
        holder.set(event.streamId, batch.member);
      }
  });

  it('a group from now starts at its creation, not at its first fetch', async () => {
    const { groups, append } = setup();
    await append('Old-1', 2);
    await groups.create('late', settings({ from: 'now' }));
    await append('New-1', 1);
    const batch = await groups.next('late', { member: 'm', max: 10, waitMs: 0 });
    expect(batch.events.map((e: EventEnvelope) => e.streamId)).toEqual(['New-1']);
  });

  it('a waiting fetch answers as soon as an event is appended', async () => {
    const { groups, append } = setup();
    await groups.create('g', settings());
    const started = Date.now();
    const waiting = groups.next('g', { member: 'm', max: 10, waitMs: 5_000 });
    setTimeout(() => void append('Late-1', 1), 50);
    expect((await waiting).events.map((e) => e.streamId)).toEqual(['Late-1']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses an unknown group (404) and a bad name (400 naming the group)', async () => {
    const { groups } = setup();
    await expect(groups.next('nope', { member: 'm', max: 1, waitMs: 0 })).rejects.toMatchObject({ status: 404 });
    await expect(groups.create('1bad', settings())).rejects.toMatchObject({ errors: [expect.objectContaining({ path: 'path.group' })] });
  });
});
