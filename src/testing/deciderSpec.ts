import { deepStrictEqual, AssertionError } from 'node:assert';
import type { Decider, DomainEvent } from '../core/decider.ts';

// Given / when / then for a decider, without a store: the state is the fold of the given events, the
// decision is `decide(command, state)`. Failures throw node's AssertionError, which every test runner
// reports with a diff, so the helper ties a team to no runner.

/** What to expect of a refusal: its class, a check of it, or nothing (any error). */
export type ExpectedError = (abstract new (...args: never[]) => Error) | ((error: unknown) => boolean);

export interface DeciderThen<Event> {
  /** The decision is exactly these events (type, data, and metadata when given). */
  then(expected: readonly Event[]): void;
  /** The command changes nothing: no events. */
  thenNothing(): void;
  /** The command is refused; returns the error for further checks. */
  thenThrows(expected?: ExpectedError): unknown;
}

export interface DeciderGiven<Command, Event> {
  when(command: Command): DeciderThen<Event>;
}

export interface DeciderSpec<Command, Event> {
  given(events: readonly Event[]): DeciderGiven<Command, Event>;
}

const matches = (error: unknown, expected: ExpectedError): boolean => {
  // A class is a function with a prototype an error is an instance of; a check is any other function.
  if (typeof expected.prototype === 'object' && expected.prototype !== null && (expected.prototype instanceof Error || expected === Error))
    return error instanceof (expected as abstract new (...args: never[]) => Error);
  return (expected as (error: unknown) => boolean)(error);
};

/**
 * ```ts
 * const spec = deciderSpec(ticketDecider);
 * spec.given([opened]).when({ type: 'Close', ticketId }).then([closed]);
 * spec.given([opened, closed]).when({ type: 'Close', ticketId }).thenThrows(TicketClosedError);
 * ```
 */
export const deciderSpec = <Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>): DeciderSpec<Command, Event> => ({
  given: (events) => ({
    when: (command) => {
      const decide = (): Event[] => decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
      return {
        then: (expected) => deepStrictEqual(decide(), [...expected]),
        thenNothing: () => deepStrictEqual(decide(), []),
        thenThrows: (expected) => {
          let decided: Event[];
          try {
            decided = decide();
          } catch (error) {
            if (expected !== undefined && !matches(error, expected))
              throw new AssertionError({ message: `the command was refused with an unexpected error: ${String(error)}`, actual: error, expected });
            return error;
          }
          throw new AssertionError({ message: 'the command was expected to be refused, but it decided', actual: decided, expected: 'an error' });
        },
      };
    },
  }),
});
