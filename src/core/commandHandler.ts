import { appendEvents, type AppendOutcome } from './appendEvents.ts';
import type { Decider, DomainEvent } from './decider.ts';
import type { EventMetadata, StreamRef } from './envelope.ts';
import { ConcurrencyError } from './errors.ts';
import type { EventStore } from './ports.ts';
import { backoffDelayMs, sleep, type RetryPolicy } from './retry.ts';

export const COMMAND_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 200 };
const PAGE_SIZE = 1000;

export interface LoadedAggregate<State> {
  state: State;
  version: number;
}

export const loadAggregate = async <Event extends DomainEvent, State>(
  store: EventStore,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  stream: StreamRef,
): Promise<LoadedAggregate<State>> => {
  let state = decider.initialState();
  let version = 0;
  for (;;) {
    const slice = await store.readStream(stream, { fromVersion: version + 1, limit: PAGE_SIZE });
    if (slice === undefined) return { state, version };
    for (const event of slice.events) {
      state = decider.evolve(state, { type: event.type, data: event.data, metadata: event.metadata } as Event);
      version = event.sequence;
    }
    if (slice.events.length < PAGE_SIZE || version >= slice.version) return { state, version };
  }
};

export interface CommandResult<State> {
  state: State;
  version: number;
  /** Absent when the decision produced no events. */
  appended?: AppendOutcome;
}

export interface HandleCommandOptions {
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
  const retry = options.retry ?? COMMAND_RETRY;
  for (let attempt = 0; ; attempt++) {
    const loaded = await loadAggregate(store, decider, stream);
    const events = decider.decide(command, loaded.state);
    if (events.length === 0) return loaded;
    try {
      const appended = await appendEvents(store, {
        stream,
        expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
        events: events.map((e) => ({ type: e.type, data: e.data, metadata: { ...options.metadata, ...e.metadata } })),
        region: options.region,
      });
      const state = events.reduce(decider.evolve, loaded.state);
      return { state, version: appended.version, appended };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt + 1 >= retry.maxAttempts) throw error;
      await sleep(backoffDelayMs(attempt, retry));
    }
  }
};
