import { appendEvents, type AppendOutcome } from './appendEvents.ts';
import type { Decider, DomainEvent } from './decider.ts';
import { streamIdOf, type EventMetadata, type StreamRef } from './envelope.ts';
import { encodeConsistencyToken } from './consistencyToken.ts';
import { ConcurrencyError } from './errors.ts';
import type { EventStore } from './ports.ts';
import { retry, type RetryPolicy } from './retry.ts';
import type { Snapshots } from './snapshots.ts';

export const COMMAND_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 200 };
const PAGE_SIZE = 1000;

export interface LoadedAggregate<State> {
  state: State;
  version: number;
  /** Stream version of the snapshot loading started from; absent when it replayed the whole stream. */
  fromSnapshot?: number;
}

export interface LoadAggregateOptions {
  /** Where the decider's snapshots live; without it every load replays the whole stream. */
  snapshots?: Snapshots;
}

type Loader<Event extends DomainEvent, State> = Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve' | 'snapshot' | 'upcasters'>;

/** Folds the events after `version` into `state`; undefined when the stream is shorter than `version` (a snapshot of another log). */
const replay = async <Event extends DomainEvent, State>(
  store: EventStore,
  decider: Loader<Event, State>,
  stream: StreamRef,
  start: { state: State; version: number },
): Promise<{ state: State; version: number } | undefined> => {
  let { state, version } = start;
  for (;;) {
    const slice = await store.readStream(stream, { fromVersion: version + 1, limit: PAGE_SIZE, forWrite: true });
    if (slice === undefined) return start.version === 0 ? { state, version } : undefined;
    if (slice.version < start.version) return undefined;
    for (const stored of slice.events) {
      const event = decider.upcasters ? decider.upcasters.upcast(stored) : stored;
      state = decider.evolve(state, { type: event.type, data: event.data, metadata: event.metadata } as Event);
      version = stored.sequence;
    }
    if (slice.events.length < PAGE_SIZE || version >= slice.version) return { state, version };
  }
};

/** The current state: from the latest usable snapshot when the decider declares one, then only the events after it. */
export const loadAggregate = async <Event extends DomainEvent, State>(
  store: EventStore,
  decider: Loader<Event, State>,
  stream: StreamRef,
  options: LoadAggregateOptions = {},
): Promise<LoadedAggregate<State>> => {
  const snapshot = decider.snapshot && options.snapshots ? await options.snapshots.load(streamIdOf(stream), decider.snapshot) : undefined;
  if (snapshot !== undefined) {
    const loaded = await replay(store, decider, stream, snapshot);
    if (loaded !== undefined) return { ...loaded, fromSnapshot: snapshot.version };
  }
  return (await replay(store, decider, stream, { state: decider.initialState(), version: 0 }))!;
};

export interface CommandResult<State> {
  state: State;
  version: number;
  /** Absent when the decision produced no events. */
  appended?: AppendOutcome;
}

export interface HandleCommandOptions extends LoadAggregateOptions {
  region: string;
  metadata?: EventMetadata;
  retry?: RetryPolicy;
}

/** Load, decide, append at the loaded version; on a concurrent write, reload and decide again. */
export const handleCommand = async <Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  stream: StreamRef,
  command: Command,
  options: HandleCommandOptions,
): Promise<CommandResult<State>> => {
  const decideAndAppend = async (): Promise<CommandResult<State>> => {
    const loaded = await loadAggregate(store, decider, stream, options);
    const events = decider.decide(command, loaded.state);
    const snapshotIfDue = (state: State, version: number): void => {
      if (decider.snapshot && options.snapshots?.isDue(decider.snapshot, loaded.fromSnapshot ?? 0, version))
        options.snapshots.save(streamIdOf(stream), decider.snapshot, state, version);
    };
    if (events.length === 0) {
      snapshotIfDue(loaded.state, loaded.version);
      return { state: loaded.state, version: loaded.version };
    }
    const appended = await appendEvents(store, {
      stream,
      expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
      events: events.map((e) => ({
        type: e.type,
        data: e.data,
        metadata: { ...options.metadata, ...e.metadata },
        schemaVersion: decider.upcasters?.currentVersion(e.type),
      })),
      region: options.region,
    });
    const state = events.reduce(decider.evolve, loaded.state);
    snapshotIfDue(state, appended.version);
    return { state, version: appended.version, appended };
  };
  // A concurrent write took the version we decided on: reload and decide again.
  return retry(decideAndAppend, { policy: options.retry ?? COMMAND_RETRY, retryOn: (error) => error instanceof ConcurrencyError });
};

/**
 * What a command endpoint answers with: the stream's version after the command, and the consistency
 * token to read views with `atLeast` (also after a repeat that wrote nothing: the version it found).
 * A command that wrote nothing to a stream that does not exist has version 0 and no token.
 */
export const writtenBy = (stream: StreamRef, result: Pick<CommandResult<unknown>, 'version' | 'appended'>): { version: number; consistencyToken?: string } => {
  if (result.appended !== undefined) return { version: result.version, consistencyToken: result.appended.consistencyToken };
  if (result.version === 0) return { version: 0 };
  return { version: result.version, consistencyToken: encodeConsistencyToken({ streamId: streamIdOf(stream), sequence: result.version }) };
};
