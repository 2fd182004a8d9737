import type { AppendPolicy } from '../api/services.ts';
import { EventLogError, EventType, ValidationError, type FieldError, type NewEvent } from '../core/index.ts';
import type { AggregateRegistration } from './module.ts';

// The raw append route writes any event to any stream. For an aggregate type the app registers, that
// would let a client append what its deciders and projections cannot read (a `UserRegistered` whose
// email is 42 halts the users projection and the activation mail for everyone). So each registration
// says what the route may write to its streams (module.ts, RawAppendPolicy); unregistered types stay free-form.

/** A raw append to an aggregate type whose streams only its commands write. */
export class CommandsOnlyError extends EventLogError {
  readonly code = 'commands-only';
  readonly status = 403;
  readonly title = 'Written through commands only';
  readonly aggregateType: string;
  constructor(aggregateType: string) {
    super(`streams of aggregate type ${aggregateType} are written only by the application's commands, not by the raw append route (with any key)`);
    this.aggregateType = aggregateType;
  }
  override problemDetails(): Record<string, unknown> {
    return { aggregateType: this.aggregateType };
  }
}

/** What is wrong with one event for a validated aggregate, with paths as the append body names them. */
const problemsOf = (aggregate: AggregateRegistration, event: NewEvent, at: string): FieldError[] => {
  const schema = Object.hasOwn(aggregate.events, event.type) ? aggregate.events[event.type] : undefined;
  if (schema === undefined)
    return [{ path: `${at}.type`, message: `is not an event type of ${aggregate.aggregateType} (known: ${Object.keys(aggregate.events).join(', ')})` }];
  const current = aggregate.decider.upcasters?.currentVersion(event.type) ?? 1;
  const errors: FieldError[] = [];
  if ((event.schemaVersion ?? 1) !== current)
    errors.push({ path: `${at}.schemaVersion`, message: `${aggregate.aggregateType} events of type ${event.type} are written at schemaVersion ${current}` });
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) errors.push(...parsed.error.issues.map((issue) => ({ path: [`${at}.data`, ...issue.path.map(String)].join('.'), message: issue.message })));
  return errors;
};

/** Refuses a registration that cannot be enforced, at start. */
const checkRegistration = (aggregate: AggregateRegistration): void => {
  const types = Object.keys(aggregate.events);
  if (aggregate.rawAppend === 'validated' && types.length === 0)
    throw new Error(`aggregate ${aggregate.aggregateType} is validated on raw appends but registers no event schemas`);
  const bad = types.filter((type) => !EventType.safeParse(type).success);
  if (bad.length > 0) throw new Error(`aggregate ${aggregate.aggregateType} registers event types that are not valid names: ${bad.join(', ')}`);
};

/** The raw append policy of an app, from its registered aggregates (checked here, once). */
export const appendPolicyOf = (aggregates: readonly AggregateRegistration[]): AppendPolicy => {
  aggregates.forEach(checkRegistration);
  const byType = new Map(aggregates.map((aggregate) => [aggregate.aggregateType, aggregate]));
  return {
    check: (stream, events) => {
      const aggregate = byType.get(stream.aggregateType);
      if (aggregate === undefined || aggregate.rawAppend === 'allowed') return;
      if (aggregate.rawAppend === 'commands-only') throw new CommandsOnlyError(stream.aggregateType);
      const errors = events.flatMap((event, index) => problemsOf(aggregate, event, `body.events.${index}`));
      if (errors.length > 0) throw new ValidationError(errors);
    },
  };
};
