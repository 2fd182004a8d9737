import { defineProjection, defineView, type EventEnvelope, type ProjectionDefinition } from '../../src/core/index.ts';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';

// Shared by the projection unit tests: events, a commutative posts/comments projection, a runtime.

export const eventOf = (streamId: string, sequence: number, type: string, data: Record<string, unknown> = {}): EventEnvelope => {
  const dash = streamId.indexOf('-');
  return {
    id: `${streamId}#${sequence}`,
    streamId,
    aggregateType: streamId.slice(0, dash),
    aggregateId: streamId.slice(dash + 1),
    sequence,
    type,
    schemaVersion: 1,
    data,
    metadata: {},
    recordedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)).toISOString(),
    region: 'test',
  };
};

interface PostView {
  [field: string]: unknown;
  title?: string;
  deleted?: boolean;
  comments: Record<string, string>;
}

/**
 * Posts with comments, written to commute: a comment may arrive before its post, and a delete wins
 * over comments that arrive after it (the document stays as `deleted: true`).
 */
export const postsProjection = (version = 1): ProjectionDefinition =>
  defineProjection({
    name: 'posts',
    version,
    eventTypes: ['PostCreated', 'PostRenamed', 'PostDeleted', 'CommentAdded'],
    views: [
      defineView<PostView>({
        name: 'post',
        keysOf: (event) => [event.type === 'CommentAdded' ? String(event.data.postId) : event.aggregateId],
        reduce: (current, event) => {
          if (current?.deleted) return current;
          const post: PostView = current ?? { comments: {} };
          switch (event.type) {
            case 'PostCreated':
            case 'PostRenamed':
              return { ...post, title: `${String(event.data.title)}${version > 1 ? ` (v${version})` : ''}` };
            case 'PostDeleted':
              return { deleted: true, comments: {} };
            default:
              return { ...post, comments: { ...post.comments, [event.aggregateId]: String(event.data.text) } };
          }
        },
      }),
    ],
  });

/** Throws on events whose data says `poison: true`, while `poisonous` is set (a fix "deployed" by clearing it). */
export const fragileProjection = (switches: { poisonous: boolean }): ProjectionDefinition =>
  defineProjection({
    name: 'fragile',
    version: 1,
    eventTypes: 'all',
    views: [
      defineView<{ [field: string]: unknown; count: number }>({
        name: 'fragile',
        keysOf: (event) => [event.streamId],
        reduce: (current, event) => {
          if (switches.poisonous && event.data.poison === true) throw new Error(`cannot project ${event.id}`);
          return { count: (current?.count ?? 0) + 1 };
        },
      }),
    ],
  });

export const memoryRuntime = (projections: readonly ProjectionDefinition[], options: { maxAttempts?: number } = {}) => {
  const storage = openMemoryProjectionStorage();
  const runtime = new ConsumerRuntime({
    projections,
    views: storage.views,
    checkpoints: storage.checkpoints,
    region: 'test',
    maxAttempts: options.maxAttempts ?? 3,
    handlerBackoff: { baseDelayMs: 1, maxDelayMs: 2 },
    retireAfterMs: 0,
  });
  return { runtime, storage };
};

/** Every stored document without its write-specific fields (etag, time), sorted: equal views compare equal. */
export const viewContents = (storage: ReturnType<typeof openMemoryProjectionStorage>) =>
  storage.views
    .snapshot()
    .map(({ view, key, data, positions }) => ({ view, key, data, positions }))
    .sort((a, b) => (a.view + '\u0000' + a.key < b.view + '\u0000' + b.key ? -1 : 1));
