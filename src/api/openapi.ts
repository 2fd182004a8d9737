import { OpenApiGeneratorV31, OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { packageInfo } from '../packageInfo.ts';
import { Problem } from './schemas.ts';
import type { ApiResponse, AuthLevel, Route } from './types.ts';

// The OpenAPI 3.1 document of a route table, generated from the documentation each route carries and
// the zod schemas the handlers parse with, so the contract cannot drift from the code.

/** What the document needs of a route. */
export type DocumentedRoute = Pick<Route<never>, 'name' | 'method' | 'route' | 'authLevel' | 'doc'>;

const ProblemDoc = Problem.meta({ id: 'Problem', description: 'RFC 9457 problem details (`application/problem+json`).' });

export const json = (description: string, schema: z.ZodType, headers?: ResponseConfig['headers']): ResponseConfig => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { 'application/json': { schema } },
});

export const problemResponse = (description: string, headers?: ResponseConfig['headers']): ResponseConfig => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { 'application/problem+json': { schema: ProblemDoc } },
});

export const header = (description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ description, schema });
export const RETRY_AFTER = { 'Retry-After': header('Seconds to wait before trying again.', { type: 'string', pattern: '^[0-9]+$' }) };
export const ETAG = { ETag: header('The stream version, quoted: `"3"`.') };

export const badRequest = problemResponse('Invalid input: `errors` lists each problem with its path (`path.*`, `query.*`, `body.*`, `header.*`).');
export const notFound = (what: string) => problemResponse(what);
export const unavailable = problemResponse('The store is unreachable or throttled; retry after `Retry-After` seconds.', RETRY_AFTER);


/** A JSON request body for a route's documentation. */
export const jsonBody = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } });

/** `streams/{aggregateType}/{aggregateId}` as an OpenAPI path; a catch-all `{*rest}` becomes `{rest}`; a segment that can only be empty (`{index:maxlength(0)?}`) is dropped. */
export const openApiPath = (route: string): string => `/${route.replace(/\/?\{[A-Za-z][A-Za-z0-9]*:maxlength\(0\)\?\}/g, '').replace(/\{\*/g, '{')}`;

const securityOf = (level: AuthLevel): RouteConfig['security'] =>
  level === 'anonymous' ? [] : [{ functionKey: [] }, { functionKeyQuery: [] }];

const AUTH_NOTE: Record<AuthLevel, string> = {
  anonymous: '',
  function: 'Needs a function key (or the admin key) when keys are configured.',
  admin: 'Needs the admin key (the master key in Azure).',
};

/** Builds the document of a route table from the documentation each route carries. */
export const buildOpenApiDocument = (routes: readonly DocumentedRoute[]) => {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'functionKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-functions-key',
    description: 'A function key (`API_KEY` locally); admin routes need the admin key (`ADMIN_KEY`).',
  });
  registry.registerComponent('securitySchemes', 'functionKeyQuery', { type: 'apiKey', in: 'query', name: 'code' });
  const undocumented = routes.filter((route) => route.doc === undefined).map((route) => route.name);
  if (undocumented.length > 0) throw new Error(`routes without OpenAPI documentation: ${undocumented.join(', ')}`);
  for (const route of routes) {
    const { doc } = route;
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
      { name: 'feed', description: 'The log as outside services follow it: pages, long polls, Server-Sent Events.' },
      { name: 'consumers', description: 'Consumer groups: persistent subscriptions with acknowledgements.' },
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
export const openApiResponse = (routes: readonly DocumentedRoute[]): ApiResponse => {
  let body = served.get(routes);
  if (body === undefined) {
    body = openApiJson(routes);
    served.set(routes, body);
  }
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, rawBody: body };
};
