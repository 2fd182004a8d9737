import type { EventMetadata, JsonObject } from './envelope.ts';
import type { SnapshotPolicy } from './snapshot.ts';
import type { Upcasters } from './upcast.ts';

/** A domain event as deciders see it: the envelope's type and payload, nothing of storage. */
export interface DomainEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

/** An aggregate as data: the command handler needs nothing else to load, decide and append. */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: () => State;
  evolve: (state: State, event: Event) => State;
  /** Returns the events that record the decision; throws a domain error to refuse the command. */
  decide: (command: Command, state: State) => Event[];
  /** Declares that the state is snapshotted, so loading starts from the latest snapshot. */
  snapshot?: SnapshotPolicy<State>;
  /** Lifts events written in older shapes before evolve sees them, and versions the events decide writes. */
  upcasters?: Upcasters;
}
