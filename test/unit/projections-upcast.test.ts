import { describe, expect, it } from 'vitest';
import { createUpcasters, defineProjection, defineView } from '../../src/core/index.ts';
import { eventOf, memoryRuntime } from './projectionsFixtures.ts';

// Version 1 of PostCreated had `name`; version 2 calls it `title`. The log keeps both shapes.
const upcasters = createUpcasters([
  { type: 'PostCreated', fromVersion: 1, upcast: ({ name, ...rest }) => ({ ...rest, title: name }) },
]);

const titles = defineProjection({
  name: 'titles',
  version: 1,
  eventTypes: ['PostCreated'],
  upcasters,
  views: [
    defineView<{ [field: string]: unknown; title: string; schemaVersion: number }>({
      name: 'title',
      keysOf: (event) => [event.aggregateId],
      reduce: (_current, event) => ({ title: String(event.data.title), schemaVersion: event.schemaVersion }),
    }),
  ],
});

describe('projections with upcasters', () => {
  it('reducers see events written in an old shape in the current one', async () => {
    const { runtime } = memoryRuntime([titles]);
    const old = eventOf('Post-p1', 1, 'PostCreated', { name: 'written at v1' });
    const current = { ...eventOf('Post-p2', 1, 'PostCreated', { title: 'written at v2' }), schemaVersion: 2 };
    await runtime.applyLive('titles', [old, current]);
    const read = (key: string) => runtime.readView('title', key, { waitMs: 0 });
    expect(await read('p1')).toMatchObject({ kind: 'found', document: { data: { title: 'written at v1', schemaVersion: 2 } } });
    expect(await read('p2')).toMatchObject({ kind: 'found', document: { data: { title: 'written at v2', schemaVersion: 2 } } });
    expect(old.data).toEqual({ name: 'written at v1' });
  });
});
