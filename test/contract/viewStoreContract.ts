import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsumerState, ProjectionStorage, ViewDocument } from '../../src/core/index.ts';

let counter = 0;
/** Names unique per test, so the suite also runs against a shared, persistent store. */
const fresh = (prefix: string): string => `${prefix}${process.pid}x${Date.now()}x${++counter}`;

const doc = (view: string, key: string, data: ViewDocument['data'], positions: Record<string, number> = {}): ViewDocument => ({
  view,
  key,
  data,
  positions,
  updatedAt: '2025-01-02T03:04:05.678Z',
});

const state = (consumer: string, changes: Partial<ConsumerState> = {}): ConsumerState => ({
  consumer,
  region: 'test-region',
  definitionVersion: 1,
  generation: 1,
  position: 0,
  eventsApplied: 0,
  skipped: [],
  retired: [],
  ignoredDocuments: 0,
  updatedAt: '2025-01-02T03:04:05.678Z',
  ...changes,
});

/** The behaviour every ViewStore and CheckpointStore adapter must show; run once per adapter. */
export const describeViewStoreContract = (name: string, open: () => Promise<ProjectionStorage>): void => {
  describe(`ViewStore and CheckpointStore contract: ${name}`, () => {
    let storage: ProjectionStorage;
    beforeEach(async () => {
      storage = await open();
    });
    afterEach(async () => {
      await storage.close();
    });

    it('a document that was never written is absent', async () => {
      expect(await storage.views.get(fresh('v'), 'nothing')).toBeUndefined();
    });

    it('a document written where none exists reads back with its data, positions and an etag', async () => {
      const view = fresh('v');
      const etag = await storage.views.put(doc(view, 'user-1', { name: 'Ada', tags: ['x'], nested: { n: 1 } }, { 'user-1': 3 }), { absent: true });
      expect(etag).toEqual(expect.any(String));
      const read = await storage.views.get(view, 'user-1');
      expect(read).toEqual({ ...doc(view, 'user-1', { name: 'Ada', tags: ['x'], nested: { n: 1 } }, { 'user-1': 3 }), etag });
    });

    it('a create is refused when the document already exists, and the stored one is untouched', async () => {
      const view = fresh('v');
      await storage.views.put(doc(view, 'k', { n: 1 }), { absent: true });
      expect(await storage.views.put(doc(view, 'k', { n: 2 }), { absent: true })).toBeUndefined();
      expect((await storage.views.get(view, 'k'))?.data).toEqual({ n: 1 });
    });

    it('a write at the current etag succeeds and changes the etag; one at a stale etag is refused', async () => {
      const view = fresh('v');
      const first = (await storage.views.put(doc(view, 'k', { n: 1 }), { absent: true }))!;
      const second = await storage.views.put(doc(view, 'k', { n: 2 }), { etag: first });
      expect(second).toEqual(expect.any(String));
      expect(second).not.toBe(first);
      expect(await storage.views.put(doc(view, 'k', { n: 3 }), { etag: first })).toBeUndefined();
      expect(await storage.views.get(view, 'k')).toMatchObject({ data: { n: 2 }, etag: second });
    });

    it('a read with the etag a reader holds answers unchanged, the new version after a write, nothing once deleted', async () => {
      const view = fresh('v');
      const first = (await storage.views.put(doc(view, 'k', { n: 1 }), { absent: true }))!;
      expect(await storage.views.getIfChanged(view, 'k', first)).toBe('unchanged');
      const second = (await storage.views.put(doc(view, 'k', { n: 2 }, { s: 2 }), { etag: first }))!;
      expect(await storage.views.getIfChanged(view, 'k', first)).toEqual({ ...doc(view, 'k', { n: 2 }, { s: 2 }), etag: second });
      expect(await storage.views.getIfChanged(view, 'k', second)).toBe('unchanged');
      await storage.views.delete(view, 'k');
      expect(await storage.views.getIfChanged(view, 'k', second)).toBeUndefined();
    });

    it('a write conditioned on an etag is refused when the document does not exist', async () => {
      expect(await storage.views.put(doc(fresh('v'), 'k', { n: 1 }), { etag: 'made-up' })).toBeUndefined();
    });

    it('a tombstone keeps its positions with null data', async () => {
      const view = fresh('v');
      await storage.views.put(doc(view, 'k', null, { 's-1': 7 }), { absent: true });
      expect(await storage.views.get(view, 'k')).toMatchObject({ data: null, positions: { 's-1': 7 } });
    });

    it('keys with the characters stream ids and view keys may carry are stored apart', async () => {
      const view = fresh('v');
      const keys = ['Order-a.b:c@d_e-f', 'Order-a.b:c@d_e-F', 'ünïcode ✓', "quote'and\"double", 'x'.repeat(255)];
      for (const [i, key] of keys.entries()) await storage.views.put(doc(view, key, { i }), { absent: true });
      for (const [i, key] of keys.entries()) expect((await storage.views.get(view, key))?.data).toEqual({ i });
    });

    it('the same key in two views is two documents', async () => {
      const [a, b] = [fresh('a'), fresh('b')];
      await storage.views.put(doc(a, 'k', { from: 'a' }), { absent: true });
      await storage.views.put(doc(b, 'k', { from: 'b' }), { absent: true });
      expect((await storage.views.get(a, 'k'))?.data).toEqual({ from: 'a' });
      expect((await storage.views.get(b, 'k'))?.data).toEqual({ from: 'b' });
    });

    it('delete removes one document and a create may follow', async () => {
      const view = fresh('v');
      await storage.views.put(doc(view, 'k', { n: 1 }), { absent: true });
      await storage.views.put(doc(view, 'other', { n: 1 }), { absent: true });
      await storage.views.delete(view, 'k');
      await storage.views.delete(view, 'never-there');
      expect(await storage.views.get(view, 'k')).toBeUndefined();
      expect(await storage.views.get(view, 'other')).toBeDefined();
      expect(await storage.views.put(doc(view, 'k', { n: 2 }), { absent: true })).toEqual(expect.any(String));
    });

    it('dropping a view removes all of its documents and no other view', async () => {
      const [dropped, kept] = [fresh('old'), fresh('new')];
      for (const key of ['a', 'b', 'c']) {
        await storage.views.put(doc(dropped, key, { key }), { absent: true });
        await storage.views.put(doc(kept, key, { key }), { absent: true });
      }
      await storage.views.dropView(dropped);
      for (const key of ['a', 'b', 'c']) {
        expect(await storage.views.get(dropped, key)).toBeUndefined();
        expect(await storage.views.get(kept, key)).toBeDefined();
      }
    });

    it('of concurrent writers at one etag exactly one wins', async () => {
      const view = fresh('v');
      const etag = (await storage.views.put(doc(view, 'k', { n: 0 }), { absent: true }))!;
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => storage.views.put(doc(view, 'k', { n }), { etag })));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('several documents read at once come back in the order asked, absent ones as undefined', async () => {
      const view = fresh('v');
      const first = await storage.views.put(doc(view, 'a', { n: 1 }), { absent: true });
      const second = await storage.views.put(doc(view, 'c', { n: 3 }), { absent: true });
      const read = await storage.views.getMany([{ view, key: 'c' }, { view, key: 'b' }, { view, key: 'a' }]);
      expect(read).toEqual([{ ...doc(view, 'c', { n: 3 }), etag: second }, undefined, { ...doc(view, 'a', { n: 1 }), etag: first }]);
      expect(await storage.views.getMany([])).toEqual([]);
    });

    it('several writes at once are each judged on their own condition: the refused ones change nothing, the others are written', async () => {
      const view = fresh('v');
      const existing = await storage.views.put(doc(view, 'kept', { n: 1 }), { absent: true });
      await storage.views.put(doc(view, 'taken', { n: 1 }), { absent: true });
      const superseded = await storage.views.put(doc(view, 'moved', { n: 1 }), { absent: true });
      await storage.views.put(doc(view, 'moved', { n: 3 }), { etag: superseded! });
      const etags = await storage.views.putMany([
        { document: doc(view, 'new', { n: 2 }), condition: { absent: true } },
        { document: doc(view, 'taken', { n: 2 }), condition: { absent: true } },
        { document: doc(view, 'kept', { n: 2 }, { s: 2 }), condition: { etag: existing! } },
        { document: doc(view, 'stale', { n: 2 }), condition: { etag: 'not-an-etag-it-has' } },
        { document: doc(view, 'moved', { n: 2 }), condition: { etag: superseded! } },
      ]);
      expect(etags).toEqual([expect.any(String), undefined, expect.any(String), undefined, undefined]);
      expect(etags[2]).not.toBe(existing);
      const read = await storage.views.getMany(['new', 'taken', 'kept', 'stale', 'moved'].map((key) => ({ view, key })));
      expect(read.map((d) => d?.data)).toEqual([{ n: 2 }, { n: 1 }, { n: 2 }, undefined, { n: 3 }]);
      expect(read[2]).toMatchObject({ positions: { s: 2 }, etag: etags[2] });
      expect(await storage.views.putMany([])).toEqual([]);
    });

    it('a projection state that was never written is absent', async () => {
      expect(await storage.checkpoints.get(fresh('p'))).toBeUndefined();
    });

    it('projection states are written with the same conditions and read back whole', async () => {
      const projection = fresh('p');
      const first = (await storage.checkpoints.put(state(projection), { absent: true }))!;
      expect(await storage.checkpoints.put(state(projection), { absent: true })).toBeUndefined();
      const full = state(projection, {
        position: 42,
        eventsApplied: 40,
        halt: { eventId: 'e1', streamId: 'Order-1', sequence: 3, type: 'Bad', position: 41, error: 'Error: boom', attempts: 5, at: '2025-01-02T03:04:05.678Z', phase: 'live' },
        skipped: [{ eventId: 'e0', streamId: 'Order-0', sequence: 1, type: 'Bad', error: 'Error: x', attempts: 5, at: '2025-01-02T03:04:05.678Z', phase: 'rebuild', skippedAt: '2025-01-02T03:04:06.000Z' }],
        rebuild: { generation: 2, definitionVersion: 2, cursor: 'c1', position: 10, eventsApplied: 10, startedAt: '2025-01-02T03:04:05.678Z', switching: false, repairs: 1 },
        retired: [{ generation: 0, at: '2025-01-01T00:00:00.000Z' }],
        divergence: { detected: 1, repaired: 0, last: [{ streamId: 'Order-2', sequence: 4, appliedId: 'a', eventId: 'b', at: '2025-01-02T03:04:05.678Z' }] },
      });
      const second = await storage.checkpoints.put(full, { etag: first });
      expect(second).toEqual(expect.any(String));
      expect(await storage.checkpoints.put(state(projection), { etag: first })).toBeUndefined();
      expect(await storage.checkpoints.get(projection)).toEqual({ state: full, etag: second });
    });
  });
};
