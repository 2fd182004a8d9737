import { decodeConsistencyToken, ProblemError, sleep, streamIdOf, ValidationError, type ConsistencyPoint, type EventStore, type StreamRef } from '../../core/index.ts';
import { DEFAULT_WAIT_MS } from '../schemas.ts';

// Read-your-writes: a client passes the consistency token of its append as `atLeast`, and the read
// waits up to `wait` ms for this region to hold that write. The token names a stream and a sequence,
// so it means the same in every region: an instance or a region other than the one that wrote answers
// once its own copy has the write.

export interface ConsistencyRequest {
  atLeast?: ConsistencyPoint;
  waitMs: number;
}

/** The `atLeast` and `wait` of a query, checked: a token this server did not issue is a 400. */
export const consistencyOf = (query: { atLeast?: string; wait?: number }): ConsistencyRequest => {
  const atLeast = query.atLeast === undefined ? undefined : decodeConsistencyToken(query.atLeast);
  if (query.atLeast !== undefined && atLeast === undefined)
    throw new ValidationError([{ path: 'query.atLeast', message: 'is not a consistency token this server issued' }]);
  return { atLeast, waitMs: query.wait ?? DEFAULT_WAIT_MS };
};

/** This region's copy of the stream has not reached the write in time. */
export class StreamNotCaughtUpError extends ProblemError('stream-not-caught-up', 503, 'Stream not caught up in this region') {
  override readonly retryAfterSeconds = 1;
  readonly streamId: string;
  readonly sequence: number;
  readonly version: number;
  constructor(streamId: string, sequence: number, version: number, region: string, waitMs: number) {
    super(`stream ${streamId} is at version ${version} in region ${region}, not ${sequence}, after waiting ${waitMs} ms`);
    this.streamId = streamId;
    this.sequence = sequence;
    this.version = version;
  }
  override problemDetails(): Record<string, unknown> {
    return { streamId: this.streamId, atLeast: this.sequence, version: this.version };
  }
}

const FIRST_LOOK_MS = 10;
const LONGEST_LOOK_MS = 250;

/** Waits until this region's copy of the stream holds the write `atLeast` names; a token of another stream is a 400. */
export const awaitStreamWrite = async (store: EventStore, stream: StreamRef, request: ConsistencyRequest, region: string): Promise<void> => {
  const { atLeast, waitMs } = request;
  if (atLeast === undefined) return;
  const streamId = streamIdOf(stream);
  if (atLeast.streamId !== streamId)
    throw new ValidationError([{ path: 'query.atLeast', message: `is the token of a write to ${atLeast.streamId}, not to ${streamId}` }]);
  const deadline = Date.now() + waitMs;
  for (let look = FIRST_LOOK_MS; ; look = Math.min(look * 2, LONGEST_LOOK_MS)) {
    const version = (await store.getStreamInfo(stream))?.version ?? 0;
    if (version >= atLeast.sequence) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new StreamNotCaughtUpError(streamId, atLeast.sequence, version, region, waitMs);
    await sleep(Math.min(look, left));
  }
};
