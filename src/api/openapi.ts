import { OpenApiGeneratorV31, OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { packageInfo } from '../packageInfo.ts';
import {
  AppendBody,
  AppendResponse,
  HealthResponse,
  IdempotencyKey,
  Problem,
  ReadQuery,
  ReadResponse,
  StreamInfoResponse,
  StreamParams,
} from './schemas.ts';
import { ProjectionEntry, ProjectionParams, ProjectionsResponse, ResumeQuery, ViewParams, ViewQuery, ViewResponse } from './projectionSchemas.ts';
import type { ApiResponse, AuthLevel, Route } from './types.ts';

// The OpenAPI 3.1 document of the route table, generated from the zod schemas the handlers parse
// with, so the contract cannot drift from the code. Every route needs an entry in `operations`;
// a route without one fails the generation (and the test that compares docs/openapi.json).

/** What a route adds to the document beyond its method, path and auth level. */
export type OperationDoc = Omit<RouteConfig, 'method' | 'path' | 'security'>;

// Named once here: components in the document, and the identity the generator uses to reference them.
const ProblemDoc = Problem.meta({ id: 'Problem', description: 'RFC 9457 problem details (`application/problem+json`).' });
const AppendRequestDoc = AppendBody.meta({ id: 'AppendRequest' });
const AppendResponseDoc = AppendResponse.meta({ id: 'AppendResponse' });
const ReadResponseDoc = ReadResponse.meta({ id: 'ReadResponse' });
const StreamInfoDoc = StreamInfoResponse.meta({ id: 'StreamInfo' });
const HealthDoc = HealthResponse.meta({ id: 'Health' });
const ViewDoc = ViewResponse.meta({ id: 'ViewDocument' });
const ProjectionEntryDoc = ProjectionEntry.meta({ id: 'ProjectionEntry' });
const ProjectionsDoc = ProjectionsResponse.meta({ id: 'ProjectionList' });

/** The document itself, as far as a client may rely on it. */
export const OpenApiDocumentShape = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OpenApiDocument' });

const json = (description: string, schema: z.ZodType, headers?: ResponseConfig['headers']): ResponseConfig => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { 'application/json': { schema } },
});

export const problemResponse = (description: string, headers?: ResponseConfig['headers']): ResponseConfig => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { 'application/problem+json': { schema: ProblemDoc } },
});

const header = (description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ description, schema });
const RETRY_AFTER = { 'Retry-After': header('Seconds to wait before trying again.', { type: 'string', pattern: '^[0-9]+$' }) };
const ETAG = { ETag: header('The stream version, quoted: `"3"`.') };

export const badRequest = problemResponse('Invalid input: `errors` lists each problem with its path (`path.*`, `query.*`, `body.*`, `header.*`).');
export const notFound = (what: string) => problemResponse(what);
export const unavailable = problemResponse('The store is unreachable or throttled; retry after `Retry-After` seconds.', RETRY_AFTER);

/** Documentation of every route of the shared table, by route name. */
export const operations: Record<string, OperationDoc> = {
  health: {
    summary: 'Health of the API and its store',
    tags: ['operations'],
    responses: { 200: json('The store answers.', HealthDoc), 503: problemResponse('The store does not answer.', RETRY_AFTER) },
  },
  openApi: {
    summary: 'This document',
    tags: ['operations'],
    responses: { 200: json('The OpenAPI 3.1 document of the API.', OpenApiDocumentShape) },
  },
  appendToStream: {
    summary: 'Append events to a stream',
    description:
      'Appends all events or none. `expectedVersion` 0 and `"no_stream"` both mean the stream must not exist; omitted means `"any"`, ' +
      'and the server then retries a lost race itself. With `Idempotency-Key`, a repeated request returns the original result.',
    tags: ['streams'],
    request: {
      params: StreamParams,
      headers: z.object({
        'Idempotency-Key': IdempotencyKey.optional().meta({ description: 'Makes the append safe to retry; scoped to the stream.' }),
        'If-Match': z.string().optional().meta({ description: 'Expected version as `"<version>"`, or `*` for "the stream exists".' }),
      }),
      body: { required: true, content: { 'application/json': { schema: AppendRequestDoc } } },
    },
    responses: {
      201: json('Appended (or replayed, with `Idempotent-Replayed: true`).', AppendResponseDoc, {
        ...ETAG,
        Location: header('Where the appended events can be read.'),
        'Idempotent-Replayed': header('`true` when the response replays an earlier request with the same Idempotency-Key.', {
          type: 'string',
          enum: ['true'],
        }),
      }),
      400: badRequest,
      409: problemResponse('The expected version does not hold (`expectedVersion`, `currentVersion`), or an event id is already in the stream.'),
      413: problemResponse('The body is over 1 MiB.'),
      422: problemResponse('The Idempotency-Key was used before with different events.'),
      503: unavailable,
    },
  },
  readStream: {
    summary: "Read a stream's events",
    description: 'Events in sequence order, paged. `asOf` reads the stream as it was at that time.',
    tags: ['streams'],
    request: { params: StreamParams, query: ReadQuery },
    responses: {
      200: json('A page of events; `continuationToken` only when more remain.', ReadResponseDoc, ETAG),
      400: badRequest,
      404: notFound('The stream has no events (by `asOf`).'),
      503: unavailable,
    },
  },
  getStream: {
    summary: "A stream's version and times",
    tags: ['streams'],
    request: { params: StreamParams },
    responses: {
      200: json('The stream exists.', StreamInfoDoc, ETAG),
      400: badRequest,
      404: notFound('The stream has no events.'),
      503: unavailable,
    },
  },
  getView: {
    summary: "A view document, from this region's projection",
    description:
      '`updatedAt` is when this region last wrote the document, by its clock. With `atLeast` (a consistencyToken from an append) ' +
      "the request waits up to `wait` ms until this region's projection has applied that write.",
    tags: ['views'],
    request: { params: ViewParams, query: ViewQuery },
    responses: {
      200: json('The document.', ViewDoc),
      400: badRequest,
      404: notFound('No such view, or no document for the key in this region.'),
      503: problemResponse('`view-not-caught-up`: the projection has not applied `atLeast` in time (or the store is unavailable).', RETRY_AFTER),
    },
  },
  listProjections: {
    summary: "This region's projections: status, position and lag",
    tags: ['projections'],
    responses: { 200: json('Every projection of this region.', ProjectionsDoc), 503: unavailable },
  },
  rebuildProjection: {
    summary: 'Rebuild a projection',
    description: 'Replays the log into a new generation of its views, then switches to it; the old generation serves until then.',
    tags: ['projections'],
    request: { params: ProjectionParams },
    responses: { 202: json('Rebuild requested.', ProjectionEntryDoc), 400: badRequest, 404: notFound('No such projection.'), 503: unavailable },
  },
  resumeProjection: {
    summary: 'Resume a halted projection',
    description: 'Retries the event the projection halted on, or with `skip=true` records it as skipped and moves past it.',
    tags: ['projections'],
    request: { params: ProjectionParams, query: ResumeQuery },
    responses: { 202: json('Resumed (or not halted).', ProjectionEntryDoc), 400: badRequest, 404: notFound('No such projection.'), 503: unavailable },
  },
};

/** `streams/{aggregateType}/{aggregateId}` as an OpenAPI path; a catch-all `{*rest}` becomes `{rest}`; a segment that can only be empty (`{index:maxlength(0)?}`) is dropped. */
export const openApiPath = (route: string): string => `/${route.replace(/\/?\{[A-Za-z][A-Za-z0-9]*:maxlength\(0\)\?\}/g, '').replace(/\{\*/g, '{')}`;

const securityOf = (level: AuthLevel): RouteConfig['security'] =>
  level === 'anonymous' ? [] : [{ functionKey: [] }, { functionKeyQuery: [] }];

/** Modules that add routes (the domain, the reactors) document them here, beside their route table. */
export const registerOperations = (docs: Record<string, OperationDoc>): void => {
  for (const name of Object.keys(docs))
    if (operations[name] !== undefined) throw new Error(`OpenAPI operation ${name} is documented twice`);
  Object.assign(operations, docs);
};

const AUTH_NOTE: Record<AuthLevel, string> = {
  anonymous: '',
  function: 'Needs a function key (or the admin key) when keys are configured.',
  admin: 'Needs the admin key (the master key in Azure).',
};

/** Builds the document of `routes`; throws when a route has no entry in `docs`. */
export const buildOpenApiDocument = (
  routes: readonly Pick<Route<never>, 'name' | 'method' | 'route' | 'authLevel'>[],
  docs: Record<string, OperationDoc> = operations,
) => {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'functionKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-functions-key',
    description: 'A function key (`API_KEY` locally); admin routes need the admin key (`ADMIN_KEY`).',
  });
  registry.registerComponent('securitySchemes', 'functionKeyQuery', { type: 'apiKey', in: 'query', name: 'code' });
  const undocumented = routes.filter((route) => docs[route.name] === undefined).map((route) => route.name);
  if (undocumented.length > 0) throw new Error(`routes without OpenAPI documentation in src/api/openapi.ts: ${undocumented.join(', ')}`);

  for (const route of routes) {
    const doc = docs[route.name]!;
    const responses =
      route.authLevel === 'anonymous'
        ? doc.responses
        : { ...doc.responses, 401: problemResponse('No key, or not the key this route needs.') };
    const note = AUTH_NOTE[route.authLevel];
    registry.registerPath({
      ...doc,
      ...(note === '' ? {} : { description: doc.description === undefined ? note : `${doc.description}\n\n${note}` }),
      method: route.method.toLowerCase() as RouteConfig['method'],
      path: openApiPath(route.route),
      operationId: route.name,
      security: securityOf(route.authLevel),
      'x-auth-level': route.authLevel,
      responses,
    });
  }

  return new OpenApiGeneratorV31(registry.definitions, { sortComponents: 'alphabetically' }).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'eventlog',
      version: packageInfo.version,
      description:
        'An append-only event log: streams of events with optimistic concurrency, idempotent appends, time travel and per-region read views. ' +
        'Errors are `application/problem+json`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/api', description: 'the Function App or the local host' }],
    tags: [
      { name: 'streams', description: 'Append and read events.' },
      { name: 'views', description: 'Read models projected from the log, per region.' },
      { name: 'projections', description: 'Status and control of the projections.' },
      { name: 'operations', description: 'Health and metadata.' },
    ],
  });
};

/** The document as the file `docs/openapi.json` holds it: two-space JSON with a final newline. */
export const openApiJson = (routes: Parameters<typeof buildOpenApiDocument>[0]): string =>
  `${JSON.stringify(buildOpenApiDocument(routes), null, 2)}\n`;

const served = new WeakMap<object, string>();

/** `GET /api/openapi.json`: the document of the given table, generated once per table. */
export const openApiResponse = (routes: Parameters<typeof buildOpenApiDocument>[0]): ApiResponse => {
  let body = served.get(routes);
  if (body === undefined) {
    body = openApiJson(routes);
    served.set(routes, body);
  }
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, rawBody: body };
};
