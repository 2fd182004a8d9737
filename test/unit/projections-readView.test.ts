import { describe, expect, it } from 'vitest';
import { UnknownViewError } from '../../src/consumers/errors.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { eventOf, fragileProjection, memoryRuntime, postsProjection } from './projectionsFixtures.ts';

describe('reading views with atLeast', () => {
  it('a waiting read is woken by the batch that applies its write, not by a timer', async () => {
    const { runtime } = memoryRuntime([streamProjection]);
    const started = Date.now();
    const read = runtime.readView('stream', 'Order-1', { atLeast: { streamId: 'Order-1', sequence: 2 }, waitMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await runtime.applyLive('stream', [eventOf('Order-1', 1, 'Placed'), eventOf('Order-1', 2, 'Shipped')]);
    expect(await read).toMatchObject({ kind: 'found', document: { data: { version: 2 } } });
    // Re-checks without a notification happen every 250 ms; this one came from the applied batch.
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('a write that is not applied within the wait is reported as not caught up, with the projection status', async () => {
    const { runtime } = memoryRuntime([streamProjection, fragileProjection({ poisonous: true })], { maxAttempts: 1 });
    await runtime.applyLive('fragile', [eventOf('Order-1', 1, 'Placed', { poison: true })]);
    const started = Date.now();
    const read = await runtime.readView('fragile', 'Order-1', { atLeast: { streamId: 'Order-1', sequence: 1 }, waitMs: 120 });
    expect(read).toEqual({ kind: 'not-caught-up', projection: 'fragile', status: 'halted', appliedSequence: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('with no wait, answers at once', async () => {
    const { runtime } = memoryRuntime([streamProjection]);
    expect(await runtime.readView('stream', 'Order-1', { atLeast: { streamId: 'Order-1', sequence: 1 }, waitMs: 0 })).toMatchObject({
      kind: 'not-caught-up',
      status: 'running',
    });
  });

  it('a document a reducer marked deleted reads as absent', async () => {
    const { runtime } = memoryRuntime([postsProjection()]);
    await runtime.applyLive('posts', [eventOf('Post-p1', 1, 'PostCreated', { title: 't' }), eventOf('Post-p1', 2, 'PostDeleted')]);
    expect(await runtime.readView('post', 'p1', { atLeast: { streamId: 'Post-p1', sequence: 2 }, waitMs: 0 })).toEqual({ kind: 'absent', source: 'views' });
  });

  it('a view no projection declares is unknown', async () => {
    const { runtime } = memoryRuntime([streamProjection]);
    await expect(runtime.readView('nope', 'k', { waitMs: 0 })).rejects.toBeInstanceOf(UnknownViewError);
  });
});

describe('projection catalogs', () => {
  it('refuse two projections declaring one view, and names that start one another', () => {
    const clash = { ...postsProjection(), name: 'posts2' };
    expect(() => memoryRuntime([postsProjection(), clash])).toThrow(/clash|declared by both/);
    expect(() => memoryRuntime([postsProjection(), { ...clash, name: 'other' }])).toThrow(/view post is declared by both posts and other/);
  });

  it('refuse bad names and versions when defined', async () => {
    const { defineProjection } = await import('../../src/core/index.ts');
    expect(() => defineProjection({ name: 'Bad_Name', version: 0, eventTypes: 'all', views: [] })).toThrow(
      /name "Bad_Name" must be lower-case.*version must be an integer >= 1.*needs at least one view/,
    );
  });
});
