import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Snapshot, StoreUnavailableError, type SnapshotStore } from '../../src/core/index.ts';

let counter = 0;
const freshStreamId = (): string => `Order-snap${process.pid}-${Date.now()}-${++counter}`;

export const snapshotOf = (streamId: string, overrides: Partial<Snapshot> = {}): Snapshot => ({
  streamId,
  name: 'state',
  schemaVersion: 1,
  version: 10,
  state: { total: 10, lines: [{ sku: 'A-1', qty: 2 }], note: 'żółw ✓', missing: null },
  takenAt: new Date().toISOString(),
  ...overrides,
});

/** The behaviour every SnapshotStore adapter must show; run once per adapter (memory, sqlite, cosmos). */
export const describeSnapshotStoreContract = (name: string, open: () => Promise<SnapshotStore>): void => {
  describe(`SnapshotStore contract: ${name}`, () => {
    let store: SnapshotStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('reads a stream without a snapshot as undefined', async () => {
      expect(await store.read(freshStreamId(), 'state')).toBeUndefined();
    });

    it('reads back exactly the snapshot written', async () => {
      const snapshot = snapshotOf(freshStreamId());
      await store.write(snapshot);
      const stored = await store.read(snapshot.streamId, 'state');
      expect(Snapshot.parse(stored)).toEqual(snapshot);
    });

    it('a newer write replaces the stream’s snapshot of that name', async () => {
      const streamId = freshStreamId();
      await store.write(snapshotOf(streamId, { version: 10, state: { total: 10 } }));
      await store.write(snapshotOf(streamId, { version: 20, schemaVersion: 2, state: { total: 20 } }));
      expect(await store.read(streamId, 'state')).toMatchObject({ version: 20, schemaVersion: 2, state: { total: 20 } });
    });

    it('keeps snapshots of other names and other streams apart', async () => {
      const [a, b] = [freshStreamId(), freshStreamId()];
      await store.write(snapshotOf(a, { name: 'state', version: 1, state: { who: 'a-state' } }));
      await store.write(snapshotOf(a, { name: 'summary', version: 2, state: { who: 'a-summary' } }));
      await store.write(snapshotOf(b, { name: 'state', version: 3, state: { who: 'b-state' } }));
      expect((await store.read(a, 'state'))?.state).toEqual({ who: 'a-state' });
      expect((await store.read(a, 'summary'))?.state).toEqual({ who: 'a-summary' });
      expect((await store.read(b, 'state'))?.state).toEqual({ who: 'b-state' });
      expect(await store.read(b, 'summary')).toBeUndefined();
    });

    it('keeps any JSON state: arrays, numbers, strings and null', async () => {
      const streamId = freshStreamId();
      for (const [i, state] of [[1, 2, 3], 42, 'text', null, { deep: { deeper: [{ x: 1.5 }] } }].entries()) {
        await store.write(snapshotOf(streamId, { version: i + 1, state }));
        expect((await store.read(streamId, 'state'))?.state).toEqual(state);
      }
    });

    it('a caller changing a snapshot after writing it does not change what is stored', async () => {
      const snapshot = snapshotOf(freshStreamId(), { state: { total: 1 } });
      await store.write(snapshot);
      (snapshot.state as { total: number }).total = 99;
      expect((await store.read(snapshot.streamId, 'state'))?.state).toEqual({ total: 1 });
    });
  });

  describe(`SnapshotStore contract: ${name} when closed`, () => {
    it('reports the store as unavailable after close', async () => {
      const store = await open();
      await store.close();
      await expect(store.read(freshStreamId(), 'state')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.write(snapshotOf(freshStreamId()))).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
};
