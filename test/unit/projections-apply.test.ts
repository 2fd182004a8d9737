import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope, ProjectionStorage, ViewStore } from '../../src/core/index.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { eventOf, memoryRuntime, postsProjection, viewContents } from './projectionsFixtures.ts';

/** A small social log: posts created, renamed, deleted; comments (one stream each) on random posts. */
const socialLog = fc
  .record({
    posts: fc.array(fc.record({ renamed: fc.boolean(), deleted: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    comments: fc.array(fc.record({ post: fc.nat(), edits: fc.integer({ min: 1, max: 2 }) }), { maxLength: 5 }),
  })
  .map(({ posts, comments }) => {
    const streams: EventEnvelope[][] = posts.map((post, i) => {
      const id = `Post-p${i}`;
      const events = [eventOf(id, 1, 'PostCreated', { title: `t${i}` })];
      if (post.renamed) events.push(eventOf(id, events.length + 1, 'PostRenamed', { title: `t${i}'` }));
      if (post.deleted) events.push(eventOf(id, events.length + 1, 'PostDeleted'));
      return events;
    });
    comments.forEach((comment, i) => {
      const postId = `p${comment.post % posts.length}`;
      streams.push(
        Array.from({ length: comment.edits }, (_, edit) => eventOf(`Comment-c${i}`, edit + 1, 'CommentAdded', { postId, text: `c${i}.${edit}` })),
      );
    });
    return streams;
  });

/** Interleaves streams in an order the picks choose, keeping each stream's own order (as the change feed does). */
const interleave = (streams: EventEnvelope[][], picks: number[]): EventEnvelope[] => {
  const queues = streams.map((s) => [...s]);
  const out: EventEnvelope[] = [];
  let pick = 0;
  while (queues.some((q) => q.length > 0)) {
    const open = queues.filter((q) => q.length > 0);
    out.push(open[(picks[pick++ % Math.max(1, picks.length)] ?? 0) % open.length]!.shift()!);
  }
  return out;
};

const splitAt = <T>(items: T[], sizes: number[]): T[][] => {
  const batches: T[][] = [];
  for (let i = 0, s = 0; i < items.length; s++) {
    const size = 1 + ((sizes[s % Math.max(1, sizes.length)] ?? 0) % 5);
    batches.push(items.slice(i, i + size));
    i += size;
  }
  return batches;
};

const projections = [streamProjection, postsProjection()];

const cleanPass = async (streams: EventEnvelope[][]) => {
  const { runtime, storage } = memoryRuntime(projections);
  for (const name of runtime.names) await runtime.applyLive(name, streams.flat());
  return viewContents(storage);
};

/** Memory storage whose next writes can be made to fail, as a process dying between two writes would. */
const crashableStorage = () => {
  const inner = openMemoryProjectionStorage();
  const faults = { viewPutsBeforeCrash: -1, crashNextCheckpoint: false };
  const put: ViewStore['put'] = async (document, condition) => {
    if (faults.viewPutsBeforeCrash === 0) {
      faults.viewPutsBeforeCrash = -1;
      throw new Error('crash during view writes');
    }
    if (faults.viewPutsBeforeCrash > 0) faults.viewPutsBeforeCrash--;
    return inner.views.put(document, condition);
  };
  const views: ViewStore = {
    kind: 'crashable',
    get: (view, key) => inner.views.get(view, key),
    getIfChanged: (view, key, etag) => inner.views.getIfChanged(view, key, etag),
    getMany: (refs) => inner.views.getMany(refs),
    put: (document, condition) => put(document, condition),
    // Written one by one, so a crash part-way leaves the first ones written (as bulk writes to Cosmos DB may).
    putMany: async (writes) => {
      const etags: Array<string | undefined> = [];
      for (const { document, condition } of writes) etags.push(await put(document, condition));
      return etags;
    },
    delete: (view, key) => inner.views.delete(view, key),
    dropView: (view) => inner.views.dropView(view),
  };
  const storage: ProjectionStorage = {
    views,
    checkpoints: {
      get: (name) => inner.checkpoints.get(name),
      put: async (state, condition) => {
        if (faults.crashNextCheckpoint) {
          faults.crashNextCheckpoint = false;
          throw new Error('crash between view write and checkpoint');
        }
        return inner.checkpoints.put(state, condition);
      },
    },
    queries: inner.queries,
    groups: inner.groups,
    close: async () => {},
  };
  return { storage, inner, faults };
};

describe('applying batches', () => {
  it('redelivering a batch changes no view', async () => {
    const { runtime, storage } = memoryRuntime(projections);
    const batch = [eventOf('Post-p1', 1, 'PostCreated', { title: 'a' }), eventOf('Comment-c1', 1, 'CommentAdded', { postId: 'p1', text: 'hi' })];
    await runtime.applyLive('posts', batch);
    await runtime.applyLive('stream', batch);
    const once = viewContents(storage);
    const again = [await runtime.applyLive('posts', batch), await runtime.applyLive('stream', batch)];
    expect(viewContents(storage)).toEqual(once);
    expect(again.map((outcome) => outcome.applied)).toEqual([0, 0]);
  });

  it('a comment that arrives before its post, and one that arrives after the delete, end as a clean pass does', async () => {
    const created = eventOf('Post-p1', 1, 'PostCreated', { title: 'a' });
    const deleted = eventOf('Post-p1', 2, 'PostDeleted');
    const early = eventOf('Comment-c1', 1, 'CommentAdded', { postId: 'p1', text: 'early' });
    const late = eventOf('Comment-c2', 1, 'CommentAdded', { postId: 'p1', text: 'late' });
    const { runtime, storage } = memoryRuntime([postsProjection()]);
    for (const batch of [[early], [created], [deleted], [late]]) await runtime.applyLive('posts', batch);
    expect(viewContents(storage)).toEqual(await (async () => {
      const clean = memoryRuntime([postsProjection()]);
      await clean.runtime.applyLive('posts', [created, deleted, early, late]);
      return viewContents(clean.storage);
    })());
    expect(await runtime.readView('post', 'p1', { waitMs: 0 })).toEqual({ kind: 'absent', source: 'views' });
  });

  it('batches of different streams in any order, split anywhere and redelivered, end as one clean pass does', async () => {
    await fc.assert(
      fc.asyncProperty(socialLog, fc.array(fc.nat()), fc.array(fc.nat()), fc.array(fc.boolean()), async (streams, picks, sizes, redeliver) => {
        const expected = await cleanPass(streams);
        const { runtime, storage } = memoryRuntime(projections);
        const batches = splitAt(interleave(streams, picks), sizes);
        for (const [i, batch] of batches.entries()) {
          for (const name of runtime.names) await runtime.applyLive(name, batch);
          // Redeliver an earlier batch, as the change feed may after a lease moves.
          if (redeliver[i]) for (const name of runtime.names) await runtime.applyLive(name, batches[Math.floor(i / 2)]!);
        }
        expect(viewContents(storage)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('a crash between view writes and the checkpoint, or among the view writes, then redelivery, ends as a clean pass does', async () => {
    await fc.assert(
      fc.asyncProperty(socialLog, fc.array(fc.nat()), fc.array(fc.nat()), fc.nat({ max: 30 }), fc.boolean(), async (streams, picks, sizes, crashAt, inViews) => {
        const expected = await cleanPass(streams);
        const { storage, inner, faults } = crashableStorage();
        const runtime = new ConsumerRuntime({ projections, ...storage, region: 'test', maxAttempts: 1 });
        for (const name of runtime.names) await runtime.state(name);
        const batches = splitAt(interleave(streams, picks), sizes);
        const crashBatch = crashAt % batches.length;
        for (const [i, batch] of batches.entries()) {
          for (const name of runtime.names) {
            if (i === crashBatch) {
              if (inViews) faults.viewPutsBeforeCrash = crashAt % 3;
              else faults.crashNextCheckpoint = true;
              await runtime.applyLive(name, batch).catch(() => undefined);
              faults.viewPutsBeforeCrash = -1;
            }
            await runtime.applyLive(name, batch);
          }
        }
        const contents = inner.views.snapshot().map(({ view, key, data, positions }) => ({ view, key, data, positions }));
        expect(contents.sort((a, b) => (a.view + '\u0000' + a.key < b.view + '\u0000' + b.key ? -1 : 1))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('instances applying batches of different streams at once to the same documents lose no event', async () => {
    const { storage } = memoryRuntime([]);
    const instance = () => new ConsumerRuntime({ projections, ...storage, region: 'test', maxAttempts: 1 });
    const [a, b] = [instance(), instance()];
    const streams = Array.from({ length: 8 }, (_, i) => [eventOf(`Comment-c${i}`, 1, 'CommentAdded', { postId: 'p1', text: `c${i}` })]);
    await Promise.all(streams.map((batch, i) => (i % 2 === 0 ? a : b).applyLive('posts', [eventOf('Post-p1', 1, 'PostCreated', { title: 't' }), ...batch])));
    const read = await a.readView('post', 'p1', { waitMs: 0 });
    expect(read.kind === 'found' && read.document.data).toEqual({ title: 't', comments: Object.fromEntries(streams.map((_, i) => [`c${i}`, `c${i}`])) });
  });

  it('events of types a projection does not handle advance its per-stream progress without touching views', async () => {
    const { runtime, storage } = memoryRuntime([postsProjection()]);
    await runtime.applyLive('posts', [eventOf('Post-p1', 1, 'PostCreated', { title: 'a' }), eventOf('Post-p1', 2, 'PostLiked')]);
    expect(await runtime.readView('post', 'p1', { atLeast: { streamId: 'Post-p1', sequence: 2 }, waitMs: 0 })).toMatchObject({
      kind: 'found',
      document: { data: { title: 'a' }, positions: { 'Post-p1': 1 } },
    });
    expect(viewContents(storage).filter((d) => d.view.startsWith('post@'))).toHaveLength(1);
  });

  it('a reducer returning null deletes the document but its tombstone still drops redeliveries', async () => {
    const { runtime } = memoryRuntime([
      {
        name: 'erasing',
        version: 1,
        eventTypes: 'all',
        views: [{ name: 'erasing', keysOf: (e) => [e.streamId], reduce: (current, e) => (e.type === 'Erased' ? null : { n: Number(current?.n ?? 0) + 1 }) }],
      },
    ]);
    const created = eventOf('Doc-1', 1, 'Created');
    await runtime.applyLive('erasing', [created, eventOf('Doc-1', 2, 'Erased')]);
    await runtime.applyLive('erasing', [created]);
    expect(await runtime.readView('erasing', 'Doc-1', { waitMs: 0 })).toEqual({ kind: 'absent', source: 'views' });
  });
});
