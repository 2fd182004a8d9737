import type { Container, OperationInput } from '@azure/cosmos';
import {
  backoffDelayMs,
  canonicalJson,
  ConcurrencyError,
  DuplicateEventIdError,
  isClosingEvent,
  refusesAppend,
  retry,
  StreamClosedError,
  StoreUnavailableError,
  streamIdOf,
  type AppendRequest,
  type AppendResult,
  type EventEnvelope,
  type ExpectedVersion,
  type RetryPolicy,
} from '../../core/index.ts';
import { asResourceBody, eventDocument } from './documents.ts';
import type { Within } from './deadline.ts';
import { classifyCosmosError, reportFailure, retryAfterSeconds, toStoreError } from './errors.ts';
import { readEventsById } from './readStream.ts';
import { advanceHead, headCheckOperation, headSetOperation, readHead, readTip } from './streamHead.ts';

// An append is one transactional batch in the stream's partition: Create operations for the events at
// the sequences after the expected version, plus one operation on the stream head (streamHead.ts).
//
// - Known expected version N: the head operation is first and fails unless the head is at N (a Patch
//   with a filter predicate; a Create of the head for a new stream). "Head at N" proves sequence N
//   exists, and the unique key refuses N+1 if it exists too, so the batch commits only when the stream
//   is exactly at N: stale and ahead versions are refused in one round trip, and no gap can appear.
// - "any" and "exists" first read the head by id (a point read, 1 RU, where the tip is a query), then
//   send the same batch as for a known version at the head's version. The head may lag behind the events
//   (never lead): then the head passes its check and an event's Create fails on the unique key, and the
//   append reads the tip and goes again from there, so a lagging head costs a retry, never a wrong write.
// - A batch holds at most 100 operations, so an append of 100 events has no room for the head: it reads
//   the head first (the tip when the head cannot vouch for the version) and moves the head afterwards
//   (the head may lag; it is never ahead).
//
// The SDK does not throw when an operation fails: every statusCode is read. The failing operation has
// its own status (409, 412, 404) and all others 424. A write whose outcome is unknown (timeout, 503,
// connection lost) is resolved by reading its event ids back, never by guessing.

export const MAX_BATCH_OPERATIONS = 100;
/** Attempts of one batch whose outcome was unknown and turned out not to be written. */
export const WRITE_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000 };
/** Rounds of re-planning after a lagging head or a concurrent "exists" append. */
const MAX_ROUNDS = 4;

export interface AppendContext {
  container: Container;
  writeRetry: RetryPolicy;
  /** Bounds each request (and the SDK's own retries of it). */
  within: Within;
  now: () => string;
}

interface Plan {
  /** The version the batch appends after. */
  after: number;
  /** True when `after` was read from the events, so the batch only sets the head instead of checking it. */
  verified: boolean;
  /**
   * True when `after` is the head's version, read for an "any" or "exists" append: the head may lag, so
   * an event refused while the head's own check passed means "read the tip and go again", not a
   * concurrent writer (who would have moved the head and failed its check).
   */
  fromHead?: boolean;
}

type BatchOutcome = { kind: 'committed' } | { kind: 'stored'; events: EventEnvelope[] } | { kind: 'rejected'; statuses: number[] };

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** A batch whose answer was lost (or a 503) and whose events are not in the log: it may be sent again. */
class UnknownOutcome extends Error {
  readonly reason: string;
  readonly retryAfterMs: number | undefined;
  constructor(reason: string, retryAfterMs: number | undefined, cause: unknown) {
    super(reason, { cause });
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

const expectedNumber = (expected: ExpectedVersion): number | undefined =>
  expected === 'no_stream' ? 0 : typeof expected === 'number' ? expected : undefined;

/** True when the stored events are this request's events (after a write whose answer was lost). */
const isThisWrite = (stored: EventEnvelope[], request: AppendRequest): boolean => {
  if (stored.length !== request.events.length) return false;
  const byId = new Map(stored.map((e) => [e.id, e]));
  return request.events.every((event) => {
    const found = byId.get(event.id);
    return found !== undefined && found.type === event.type && canonicalJson(found.data) === canonicalJson(event.data);
  });
};

const resultOf = (request: AppendRequest, after: number, recordedAt: string): AppendResult => ({
  streamId: streamIdOf(request.stream),
  aggregateType: request.stream.aggregateType,
  aggregateId: request.stream.aggregateId,
  firstSequence: after + 1,
  lastSequence: after + request.events.length,
  version: after + request.events.length,
  eventIds: request.events.map((e) => e.id),
  recordedAt,
});

const resultFromStored = (request: AppendRequest, stored: EventEnvelope[]): AppendResult => {
  const first = Math.min(...stored.map((e) => e.sequence));
  return resultOf(request, first - 1, stored.find((e) => e.sequence === first)!.recordedAt);
};

export const appendToStream = async (context: AppendContext, request: AppendRequest): Promise<AppendResult> => {
  const { container, within } = context;
  const streamId = streamIdOf(request.stream);
  const ids = request.events.map((e) => e.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) throw new DuplicateEventIdError(streamId, [...new Set(repeated)]);
  const count = request.events.length;
  const headFits = count + 1 <= MAX_BATCH_OPERATIONS;
  const recordedAt = context.now();

  // Every tip read also answers "is the stream closed": the last event says so, and nothing goes after it.
  const tip = async (): Promise<number> => {
    let last;
    try {
      last = await within(() => readTip(container, streamId));
    } catch (error) {
      throw toStoreError(error, 'reading the stream version');
    }
    if (refusesAppend(last.type, request.events[0]?.type)) throw new StreamClosedError(streamId, last.version);
    return last.version;
  };
  const headVersion = async (): Promise<number | undefined> => {
    try {
      const head = await within(() => readHead(container, streamId));
      // A closed stream's head vouches for nothing: the tip read then decides what may still be appended.
      return head?.closed === true ? undefined : head?.version;
    } catch (error) {
      throw toStoreError(error, 'reading the stream head');
    }
  };
  const closes = isClosingEvent(request.events[request.events.length - 1]?.type);
  const readBack = async (): Promise<EventEnvelope[]> => {
    try {
      return await within(() => readEventsById(container, streamId, ids));
    } catch (error) {
      throw toStoreError(error, 'reading back a write of unknown outcome');
    }
  };

  const operationsFor = (plan: Plan): OperationInput[] => {
    const creates: OperationInput[] = request.events.map((event, index) => ({
      operationType: 'Create',
      resourceBody: asResourceBody(eventDocument(streamId, request.stream, event, plan.after + index + 1, recordedAt, request.region)),
    }));
    const next = plan.after + count;
    if (!plan.verified) return [headCheckOperation(streamId, request.stream, plan.after, next, recordedAt, closes), ...creates];
    return headFits ? [...creates, headSetOperation(streamId, request.stream, next, recordedAt, closes)] : creates;
  };

  // Set once an attempt's outcome was unknown: a later conflict may then be this very write.
  let uncertain = false;

  /** One try of the batch; a write of unknown outcome whose events are not stored is sent again (same ids, same condition). */
  const tryBatch = async (plan: Plan): Promise<BatchOutcome> => {
    let failure: ReturnType<typeof classifyCosmosError>;
    let cause: unknown;
    try {
      const response = await within(() => container.items.batch(operationsFor(plan), streamId));
      const statuses = (response.result ?? []).map((r) => r.statusCode);
      if (statuses.length > 0 && statuses.every(isSuccess)) return { kind: 'committed' };
      if (!statuses.includes(503) && !statuses.includes(429)) return { kind: 'rejected', statuses };
      cause = new Error(`batch answered ${statuses.join(',')}`);
      failure = statuses.includes(429) ? { kind: 'throttled' } : { kind: 'outcome-unknown', reason: 'HTTP 503' };
    } catch (error) {
      cause = error;
      failure = classifyCosmosError(error);
    }
    if (failure.kind !== 'outcome-unknown') throw reportFailure(failure, cause, 'append');
    uncertain = true;
    const stored = await readBack();
    if (stored.length > 0) return { kind: 'stored', events: stored };
    throw new UnknownOutcome(failure.reason, failure.retryAfterMs, cause);
  };
  const execute = (plan: Plan): Promise<BatchOutcome> =>
    retry(() => tryBatch(plan), {
      policy: context.writeRetry,
      retryOn: (error) => error instanceof UnknownOutcome,
      delayMs: (error, attempt) => (error as UnknownOutcome).retryAfterMs ?? backoffDelayMs(attempt, context.writeRetry),
    }).catch((error: unknown) => {
      if (!(error instanceof UnknownOutcome)) throw error;
      throw new StoreUnavailableError(
        `Cosmos DB append: ${error.reason}, and none of its events is stored; retry it (an Idempotency-Key makes that safe)`,
        retryAfterSeconds(error.retryAfterMs),
        { cause: error.cause },
      );
    });

  /** The append is in the log: move the head if the batch had no room for it, then answer. */
  const appended = async (result: AppendResult): Promise<AppendResult> => {
    if (!headFits) await within(() => advanceHead(container, streamId, request.stream, result.lastSequence, result.recordedAt)).catch(() => undefined);
    return result;
  };
  const fromStored = (stored: EventEnvelope[]): Promise<AppendResult> => {
    if (!isThisWrite(stored, request)) throw new DuplicateEventIdError(streamId, stored.map((e) => e.id));
    return appended(resultFromStored(request, stored));
  };

  const expected = expectedNumber(request.expectedVersion);
  /** The first plan: from the client's version when the batch can check the head, else from a read of the head (or the tip). */
  const firstPlan = async (): Promise<Plan> => {
    if (expected !== undefined && headFits) return { after: expected, verified: false };
    const head = await headVersion();
    // A batch with the head in it checks the head's version itself; a 100-event batch relies on the
    // unique key alone, which is enough once the version is known to exist (the head never leads).
    if (expected === undefined && head !== undefined) return { after: head, verified: !headFits, fromHead: true };
    if (expected === undefined && head === undefined && request.expectedVersion === 'any' && headFits) return { after: 0, verified: false, fromHead: true };
    if (expected !== undefined && head === expected) return { after: expected, verified: true };
    // No head to vouch for the version (absent, or behind the version asked for): the events decide.
    const current = await tip();
    if ((expected !== undefined && current !== expected) || (request.expectedVersion === 'exists' && current === 0))
      throw new ConcurrencyError(streamId, request.expectedVersion, current);
    return { after: current, verified: true };
  };
  let plan = await firstPlan();

  let current = plan.after;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const outcome = await execute(plan);
    if (outcome.kind === 'stored') return fromStored(outcome.events);
    if (outcome.kind === 'committed') return appended(resultOf(request, plan.after, recordedAt));
    if (uncertain) {
      const stored = await readBack();
      if (stored.length > 0) return fromStored(stored);
    }
    const failedAt = outcome.statuses.findIndex((status) => !isSuccess(status) && status !== 424);
    const failed = outcome.statuses[failedAt];
    const headFailed = !plan.verified && failedAt === 0;
    if (!headFailed && failed !== 409)
      throw new Error(`Cosmos DB append: batch operation ${failedAt} failed with status ${String(failed)}`);

    current = await tip();
    if (current !== plan.after) {
      const headLagged = plan.fromHead === true && !headFailed;
      const stillHolds = (request.expectedVersion === 'exists' && current > 0) || (request.expectedVersion === 'any' && headLagged);
      if (!stillHolds) throw new ConcurrencyError(streamId, request.expectedVersion, current);
      plan = { after: current, verified: true };
      continue;
    }
    // The stream is at the version the batch expected.
    if (headFailed) {
      plan = { after: current, verified: true }; // the head lags (or is missing): the tip just read is the proof
      continue;
    }
    const taken = await readBack();
    if (taken.length > 0) throw new DuplicateEventIdError(streamId, taken.map((e) => e.id));
    plan = { after: current, verified: true }; // a conflicting writer rolled back meanwhile: try again
  }
  throw new ConcurrencyError(streamId, request.expectedVersion, current);
};
