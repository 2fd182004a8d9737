import { z } from 'zod';
import { EventEnvelope } from '../core/index.ts';

// The conflicts feed as Cosmos DB serves it (`container.conflicts`): one resource per losing write,
// whose `content` is the losing item as a JSON string. The local simulation (src/simulation) produces
// exactly this shape, so one parser serves Azure and local runs.

/** A conflict resource as `container.conflicts.readAll()` returns it (ConflictDefinition & Resource). */
export const CosmosConflict = z.looseObject({
  id: z.string().min(1),
  resourceId: z.string().optional(),
  resourceType: z.string().optional(),
  operationType: z.string().optional(),
  /** The losing item; the service sends it as a JSON string. */
  content: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  conflict_lsn: z.number().optional(),
  _ts: z.number().optional(),
});
export type CosmosConflict = z.infer<typeof CosmosConflict>;

/** Where the reconciler reads conflicts from: the simulated feed locally, `container.conflicts` in Azure. */
export interface ConflictFeed {
  readonly kind: string;
  /** Every conflict now in the feed, as the service returns them. */
  read(): AsyncIterable<unknown>;
  /** Removes a resolved conflict; one already gone is not an error. */
  delete(id: string, partitionKey: string): Promise<void>;
}

/** A conflict the reconciler can act on: an event of the log that lost its place. */
export interface EventConflict {
  id: string;
  partitionKey: string;
  operationType: string;
  loser: EventEnvelope;
}

export type ParsedConflict =
  | { kind: 'event'; conflict: EventConflict }
  /** Not an event: a stream head or another document of the store's own (`documentKind` is its `kind`). */
  | { kind: 'other'; id: string; partitionKey?: string; documentKind?: string; reason: string }
  | { kind: 'unreadable'; id?: string; reason: string };

const firstIssue = (error: z.ZodError): string => {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'content'}: ${issue.message}`;
};

/** Reads one raw conflict resource; the losing event loses Cosmos DB's system properties on the way. */
export const parseConflict = (raw: unknown): ParsedConflict => {
  const resource = CosmosConflict.safeParse(raw);
  if (!resource.success) return { kind: 'unreadable', reason: `not a conflict resource: ${firstIssue(resource.error)}` };
  const { id, content, operationType = 'unknown' } = resource.data;
  let item: unknown;
  try {
    item = typeof content === 'string' ? JSON.parse(content) : content;
  } catch (error) {
    return { kind: 'unreadable', id, reason: `content is not JSON: ${(error as Error).message}` };
  }
  if (typeof item !== 'object' || item === null) return { kind: 'unreadable', id, reason: 'conflict has no content' };
  const partitionKey = typeof (item as { streamId?: unknown }).streamId === 'string' ? (item as { streamId: string }).streamId : undefined;
  if ('kind' in item) {
    const documentKind = String((item as { kind: unknown }).kind);
    return { kind: 'other', id, partitionKey, documentKind, reason: `a ${documentKind} document, not an event` };
  }
  const event = EventEnvelope.safeParse(item);
  if (!event.success) return { kind: 'unreadable', id, reason: `content is not an event: ${firstIssue(event.error)}` };
  return { kind: 'event', conflict: { id, partitionKey: event.data.streamId, operationType, loser: event.data } };
};

/** How many conflicts wait in the feed, counting at most `limit` (a backlog this large needs attention, not a count). */
export const countConflicts = async (feed: ConflictFeed, limit = 100): Promise<number> => {
  let count = 0;
  for await (const _conflict of feed.read()) if (++count >= limit) break;
  return count;
};
