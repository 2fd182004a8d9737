import { describe, expect, it } from 'vitest';
import { newEventId, type GlobalLog } from '../../src/core/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { LogFollower } from '../../src/consumers/follower.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { memoryRuntime } from './projectionsFixtures.ts';

const appendTo = (store: MemoryEventStore, id: string) =>
  store.append({
    stream: { aggregateType: 'Order', aggregateId: id },
    expectedVersion: 'any',
    events: [{ id: newEventId(), type: 'Placed', schemaVersion: 1, data: {}, metadata: {} }],
    region: 'test',
  });

const until = async (condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('the local poller', () => {
  it('rides out a log that fails for a while, showing the failure until it recovers', async () => {
    const store = new MemoryEventStore();
    for (let i = 0; i < 3; i++) await appendTo(store, `o${i}`);
    let failuresLeft = 2;
    const flakyLog: GlobalLog = {
      readAll: async (after, limit) => {
        if (failuresLeft-- > 0) throw new Error('disk unplugged');
        return store.readAll(after, limit);
      },
      headPosition: () => store.headPosition(),
      positionOf: (streamId, sequence) => store.positionOf(streamId, sequence),
    };
    const { runtime } = memoryRuntime([streamProjection]);
    const poller = new LogFollower({ runtime, log: flakyLog, logger: silentLogger, idleMs: 10 });
    poller.start();
    try {
      await until(async () => (await runtime.entry('stream')).lastError !== undefined);
      expect((await runtime.entry('stream')).lastError).toContain('disk unplugged');
      await until(async () => (await runtime.entry('stream')).position === 3);
      expect(await runtime.entry('stream')).toMatchObject({ status: 'running', lag: null, eventsApplied: 3 });
      expect((await runtime.entry('stream')).lastError).toBeUndefined();
    } finally {
      await poller.stop();
    }
  });

  it('picks up new events at once when woken, and stops promptly', async () => {
    const store = new MemoryEventStore();
    const { runtime } = memoryRuntime([streamProjection]);
    const poller = new LogFollower({ runtime, log: store, logger: silentLogger, idleMs: 60_000 });
    poller.start();
    await until(async () => (await runtime.state('stream')).position === 0);
    await appendTo(store, 'o1');
    poller.wake();
    await until(async () => (await runtime.readView('stream', 'Order-o1', { waitMs: 0 })).kind === 'found', 2_000);
    const stopping = Date.now();
    await poller.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
  });
});
