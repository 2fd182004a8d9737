import type { Container, OperationInput } from '@azure/cosmos';
import { retry, type StreamRef } from '../../core/index.ts';
import { STREAM_HEAD_ID, StreamHeadDocument, streamHeadDocument } from './documents.ts';
import { queryPartition } from './queries.ts';

// The stream head marks "this stream is at version N" inside the stream's partition. Invariant: it is
// never ahead of the events (it is written in the same transactional batch as they are, or after them),
// so a batch that checks "head is at N" and creates sequence N+1.. can neither skip a version (gap) nor
// overwrite one (the unique key). It may lag behind: an append of 100 events has no room for it in its
// batch and moves it afterwards; whoever finds it lagging falls back to reading the tip.

export interface Tip {
  version: number;
  recordedAt?: string;
  /** The last event's type: a closing one means the stream takes no more events. */
  type?: string;
}

/** The stream's version as the events say (the authority when the head may lag). */
export const readTip = async (container: Container, streamId: string, asOf?: string): Promise<Tip> => {
  const [last] = await queryPartition<{ sequence: number; recordedAt: string; type: string }>(
    container,
    streamId,
    {
      query: `SELECT TOP 1 c.sequence, c.recordedAt, c.type FROM c WHERE c.streamId = @streamId AND c.sequence >= 1${asOf === undefined ? '' : ' AND c.recordedAt <= @asOf'} ORDER BY c.sequence DESC`,
      parameters: [
        { name: '@streamId', value: streamId },
        ...(asOf === undefined ? [] : [{ name: '@asOf', value: asOf }]),
      ],
    },
    1,
  );
  return last === undefined ? { version: 0 } : { version: last.sequence, recordedAt: last.recordedAt, type: last.type };
};

/**
 * The head's version by a point read: one request, 1 RU for a document this small ("A point read for a
 * 1-KB item is equivalent to one Request Unit", https://learn.microsoft.com/azure/cosmos-db/request-units),
 * where the tip is a query. Undefined when the stream has no head (no stream, or an interrupted 100-event
 * append of a new stream). The head is never ahead of the events, so sequence `version` exists; it may lag.
 */
export const readHead = async (container: Container, streamId: string): Promise<Pick<StreamHeadDocument, 'version' | 'closed'> | undefined> => {
  const { resource } = await container.item(STREAM_HEAD_ID, streamId).read<StreamHeadDocument>();
  if (resource === undefined) return undefined;
  const { version, closed } = StreamHeadDocument.parse(resource);
  return { version, closed };
};

const headPatch = (version: number, updatedAt: string, closes = false) => [
  { op: 'set' as const, path: '/version', value: version },
  { op: 'set' as const, path: '/updatedAt', value: updatedAt },
  ...(closes ? [{ op: 'set' as const, path: '/closed', value: true }] : []),
];

/**
 * Batch operation that fails (and so fails the batch) unless the stream is at `expected` and open (a Patch
 * with a filter predicate fails with 412 when the predicate does not hold, and so does its batch:
 * https://learn.microsoft.com/azure/cosmos-db/partial-document-update#supported-modes, IS_DEFINED:
 * https://learn.microsoft.com/azure/cosmos-db/nosql/query/is-defined); it
 * moves the head to `next` (and closes it when `closes`: the batch appends a closing event).
 */
export const headCheckOperation = (streamId: string, stream: StreamRef, expected: number, next: number, at: string, closes = false): OperationInput =>
  expected === 0
    ? { operationType: 'Create', resourceBody: streamHeadDocument(streamId, stream, next, at, closes) }
    : {
        operationType: 'Patch',
        id: STREAM_HEAD_ID,
        resourceBody: { operations: headPatch(next, at, closes), condition: `from c where c.version = ${expected} and not is_defined(c.closed)` },
      };

/** Batch operation that sets the head, for a batch whose expected version was verified by reading the tip. */
export const headSetOperation = (streamId: string, stream: StreamRef, version: number, at: string, closes = false): OperationInput => ({
  operationType: 'Upsert',
  resourceBody: streamHeadDocument(streamId, stream, version, at, closes),
});

/**
 * Moves a lagging head forward after an append that had no room for it in its batch. Best effort and
 * never backwards: a failure leaves the head lagging, which costs later requests a tip read, nothing more.
 */
export const advanceHead = async (container: Container, streamId: string, stream: StreamRef, version: number, at: string): Promise<void> => {
  const item = container.item(STREAM_HEAD_ID, streamId);
  const patchOrCreate = async (): Promise<void> => {
    try {
      await item.patch({ operations: headPatch(version, at), condition: `from c where c.version < ${version}` });
    } catch (error) {
      // 412: already there or beyond; anything but 404 (no head yet): leave it lagging.
      if ((error as { code?: unknown }).code !== 404) return;
      try {
        await container.items.create(streamHeadDocument(streamId, stream, version, at));
      } catch (createError) {
        if ((createError as { code?: unknown }).code === 409) throw new HeadCreatedMeanwhile();
      }
    }
  };
  // Someone else created the head between our patch and our create: patch again.
  await retry(patchOrCreate, { policy: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, retryOn: (error) => error instanceof HeadCreatedMeanwhile }).catch(() => undefined);
};

class HeadCreatedMeanwhile extends Error {}
