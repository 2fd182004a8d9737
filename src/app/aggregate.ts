import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { badRequest, json, jsonBody, problemResponse, unavailable } from '../api/openapi.ts';
import type { ApiServices } from '../api/services.ts';
import type { ApiRequest, ApiResponse, AuthLevel, OperationDoc, Route } from '../api/types.ts';
import { parseJsonBody, validate } from '../api/validation.ts';
import {
  AggregateId,
  AggregateType,
  handleCommand,
  ValidationError,
  ViewName,
  writtenBy,
  type Decider,
  type DomainEvent,
  type EventSchemas,
  type PersonalDataDeclaration,
  type StreamRef,
} from '../core/index.ts';
import type { AggregateRegistration, RawAppendPolicy } from './module.ts';

// An aggregate as a team declares it: its type, its stored events, its decider, and its command routes.
// A command route is the usual endpoint written once: parse the path and body with zod, load the
// aggregate, decide, append at the loaded version (deciding again on a conflict), and answer with the
// version and a consistency token for `atLeast` reads. Its OpenAPI entry comes from the same schemas.

/** The answer of every command route. */
export const CommandAnswer = z
  .object({
    aggregateType: z.string(),
    aggregateId: z.string(),
    version: z.number().int().min(0).meta({ description: 'The stream version after the command (0: it wrote nothing to a stream that does not exist).' }),
    consistencyToken: z.string().optional().meta({ description: 'Read a view with `?atLeast=` this token to see the command\'s effect.' }),
  })
  .meta({ id: 'CommandAnswer' });
export type CommandAnswer = z.infer<typeof CommandAnswer>;

/** Statuses a decider's refusals may answer with, for the route's documentation. */
export type RefusalStatus = 400 | 403 | 404 | 409 | 410 | 412 | 422 | 503;

/** What a command route reads from the request, parsed. */
export interface CommandInput<Params, Body> {
  /** Path parameters, parsed by the route's `params` schema. */
  params: Params;
  /** The JSON body, parsed by the route's `body` schema (undefined when the route has none). */
  body: Body;
}

/** One command endpoint of an aggregate. */
export interface CommandRouteSpec<Command, Params, Body> {
  /** Names the route: its Azure function name and its OpenAPI operationId, unique in the app. */
  name: string;
  /** `POST` unless given. */
  method?: 'POST' | 'PUT' | 'DELETE';
  /** Path below `/api` in the Functions syntax: `tickets`, `tickets/{ticketId}/close`. */
  route: string;
  /** Parses the path parameters; without it every `{name}` of the route must be an aggregate id (`[A-Za-z0-9_.:@-]{1,128}`). */
  params?: z.ZodObject<z.ZodRawShape> & z.ZodType<Params>;
  /** Parses the JSON body (use `z.strictObject`, so a misspelt field is a 400); without it the route reads no body. */
  body?: z.ZodType<Body>;
  /** The stream the command goes to: `'new'` for a fresh UUID (answered `201`), or the id read from the request (`200`). */
  aggregateId: 'new' | ((input: CommandInput<Params, Body>) => string);
  /** The decider's command for this request. */
  toCommand: (input: CommandInput<Params, Body> & { aggregateId: string }) => Command;
  /** A view keyed by the aggregate id: the answer's `Location` points at it. */
  view?: string;
  /** Who may call it: `function` (a function key, as every API route) unless given. */
  authLevel?: AuthLevel;
  /** One line for the OpenAPI document. */
  summary: string;
  description?: string;
  /** The refusals `decide` may throw (a `ProblemError` each), by status, for the OpenAPI document. */
  refusals?: Partial<Record<RefusalStatus, string>>;
}

/** Declares a command route of one aggregate; `defineAggregate` hands it to `commands`. */
export type CommandRouteFactory<Command> = <Params = Record<string, string>, Body = undefined>(
  spec: CommandRouteSpec<Command, Params, Body>,
) => Route<ApiServices>;

export interface AggregateOptions<Command, Event extends DomainEvent, State> {
  /** The part of the stream id before `-`: `Ticket` for `Ticket-42`. Part of the storage format. */
  aggregateType: string;
  /** The schema of each event type's `data`: the storage format, as the decider reads it (`decodeEvent`). */
  events: EventSchemas;
  decider: Decider<Command, Event, State>;
  /** What the raw append route may write to these streams (`validated` unless given): see `RawAppendPolicy`. */
  rawAppend?: RawAppendPolicy;
  /** Its command routes, each declared with the `command` it is given. */
  commands?: (command: CommandRouteFactory<Command>) => readonly Route<ApiServices>[];
  /** The personal fields of its events and whose they are: sealed per data subject, erased with its key (docs/lifecycle.md). */
  personalData?: PersonalDataDeclaration;
}

/** A declared aggregate: register it with `createApp({ aggregates: [...] })`, which also serves its command routes. */
export interface Aggregate<Command, Event extends DomainEvent, State> extends AggregateRegistration {
  decider: Decider<Command, Event, State>;
  events: EventSchemas;
  rawAppend: RawAppendPolicy;
  routes: readonly Route<ApiServices>[];
  /** The stream of one aggregate: `{ aggregateType, aggregateId }`. */
  streamOf(aggregateId: string): StreamRef;
}

const TEMPLATE_PARAMETER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;
const parametersOf = (route: string): string[] => [...route.matchAll(TEMPLATE_PARAMETER)].map((match) => match[1]!);

/** Where a view document is read: the `Location` of an answer that names one. */
export const viewLocation = (view: string, key: string): string => `/api/views/${view}/${encodeURIComponent(key)}`;

/** What is wrong with a command route's declaration, so the start fails with every mistake named. */
const problemsOf = (spec: CommandRouteSpec<unknown, unknown, unknown>): string[] => {
  const problems: string[] = [];
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,127}$/.test(spec.name)) problems.push('name must be letters, digits, _ and - (a function name), starting with a letter');
  if (spec.route.startsWith('/') || spec.route.startsWith('api/')) problems.push(`route "${spec.route}" is below /api: write it without a leading / or api/`);
  const names = parametersOf(spec.route);
  if (spec.params !== undefined) {
    const keys = Object.keys(spec.params.shape);
    for (const name of names) if (!keys.includes(name)) problems.push(`path parameter {${name}} is not in its params schema`);
    for (const key of keys) if (!names.includes(key)) problems.push(`params schema names ${key}, which is not a {parameter} of its route`);
  }
  if (spec.method === 'DELETE' && spec.body !== undefined) problems.push('a DELETE route reads no body');
  if (spec.view !== undefined && !ViewName.safeParse(spec.view).success) problems.push(`view "${spec.view}" is not a valid view name`);
  return problems;
};

const operationDoc = (aggregateType: string, spec: CommandRouteSpec<unknown, unknown, unknown>, params: z.ZodObject<z.ZodRawShape>): OperationDoc => {
  const created = spec.aggregateId === 'new';
  const refusals = Object.fromEntries(Object.entries(spec.refusals ?? {}).map(([status, description]) => [status, problemResponse(description)]));
  const read = spec.view === undefined ? '' : ` Its effect shows in the view \`${spec.view}\` (key: the aggregate id) read with \`?atLeast={consistencyToken}\`.`;
  return {
    summary: spec.summary,
    description: `${spec.description === undefined ? '' : `${spec.description} `}A command to the ${aggregateType} aggregate.${read}`.trim(),
    tags: [aggregateType],
    request: {
      ...(Object.keys(params.shape).length > 0 ? { params } : {}),
      ...(spec.body === undefined ? {} : { body: jsonBody(spec.body) }),
    },
    responses: {
      [created ? 201 : 200]: json(created ? 'Created: the first events of a new stream.' : 'Decided: the events it wrote, if any, are appended.', CommandAnswer),
      400: badRequest,
      409: problemResponse('The stream kept changing while the command was decided (after retries), or a refusal of the aggregate.'),
      503: unavailable,
      ...refusals,
    },
  };
};

/** Builds one command route of an aggregate (see `CommandRouteSpec`). */
const commandRouteOf =
  <Command, Event extends DomainEvent, State>(aggregateType: string, decider: Decider<Command, Event, State>): CommandRouteFactory<Command> =>
  <Params, Body>(spec: CommandRouteSpec<Command, Params, Body>): Route<ApiServices> => {
    const problems = problemsOf(spec as CommandRouteSpec<unknown, unknown, unknown>);
    if (problems.length > 0) throw new Error(`command route ${spec.name} of ${aggregateType}: ${problems.join('; ')}`);
    const params = spec.params ?? z.object(Object.fromEntries(parametersOf(spec.route).map((name) => [name, AggregateId])));
    const handle = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
      const parsed = validate({ path: [params, request.params], ...(spec.body === undefined ? {} : { body: [spec.body, parseJsonBody(request.body)] }) }) as {
        path: Params;
        body?: Body;
      };
      const input: CommandInput<Params, Body> = { params: parsed.path, body: parsed.body as Body };
      const aggregateId = spec.aggregateId === 'new' ? randomUUID() : spec.aggregateId(input);
      const valid = AggregateId.safeParse(aggregateId);
      if (!valid.success) throw new ValidationError([{ path: 'aggregateId', message: `${valid.error.issues[0]!.message} (read from the request by route ${spec.name})` }]);
      const stream = { aggregateType, aggregateId };
      const result = await handleCommand(services.eventStore, decider, stream, spec.toCommand({ ...input, aggregateId }), {
        region: services.region,
        snapshots: services.snapshots,
      });
      const answer: CommandAnswer = { aggregateType, aggregateId, ...writtenBy(stream, result) };
      return {
        status: spec.aggregateId === 'new' ? 201 : 200,
        ...(spec.view === undefined ? {} : { headers: { location: viewLocation(spec.view, aggregateId) } }),
        body: answer,
      };
    };
    return {
      name: spec.name,
      method: spec.method ?? 'POST',
      route: spec.route,
      authLevel: spec.authLevel ?? 'function',
      handle,
      doc: operationDoc(aggregateType, spec as CommandRouteSpec<unknown, unknown, unknown>, params),
    };
  };

/**
 * Declares a decider-backed aggregate with its command routes:
 *
 * ```ts
 * export const tickets = defineAggregate({
 *   aggregateType: 'Ticket',
 *   events: TicketEvents,
 *   decider: ticketDecider,
 *   commands: (command) => [
 *     command({ name: 'openTicket', route: 'tickets', body: OpenTicketBody, aggregateId: 'new',
 *               toCommand: ({ body }) => ({ type: 'Open', ...body }), view: 'ticket', summary: 'Open a ticket' }),
 *   ],
 * });
 * ```
 *
 * Mistakes in the declaration (an invalid aggregate type, a route parameter its schema does not
 * parse) throw here, so the app fails at start with the route named.
 */
export const defineAggregate = <Command, Event extends DomainEvent, State>(
  options: AggregateOptions<Command, Event, State>,
): Aggregate<Command, Event, State> => {
  const { aggregateType, events, decider, rawAppend = 'validated' } = options;
  const type = AggregateType.safeParse(aggregateType);
  if (!type.success) throw new Error(`aggregate type "${aggregateType}" ${type.error.issues[0]!.message}`);
  const routes = options.commands?.(commandRouteOf(aggregateType, decider)) ?? [];
  return Object.freeze({
    aggregateType,
    events,
    decider,
    rawAppend,
    ...(options.personalData === undefined ? {} : { personalData: options.personalData }),
    routes: Object.freeze([...routes]),
    streamOf: (aggregateId: string): StreamRef => ({ aggregateType, aggregateId }),
  });
};
