import { z } from 'zod';
import { parseStreamId } from '../../core/index.ts';
import { problemResponse } from '../openapi.ts';
import { problem } from '../problem.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse, OperationDoc } from '../types.ts';

// Answers for a person who guesses a URL: the API's index (`GET /api`, and `GET /` on the local
// host) points at the OpenAPI document and the stream explorer; a stream addressed by its id
// (`GET /api/streams/Order-42`) gets a 404 that gives the path it lives at.

/** The problem type of "there is no such route here", as the local host answers unknown paths. */
export const NO_ROUTE = 'no-route';

const OPENAPI = '/api/openapi.json';
const EXPLORER = '/api/explorer/';
const HEALTH = '/api/health';

export const ApiIndex = z
  .object({
    name: z.literal('eventlog'),
    version: z.string(),
    region: z.string(),
    openapi: z.literal(OPENAPI).meta({ description: 'The OpenAPI 3.1 document of this API.' }),
    explorer: z.literal(EXPLORER).meta({ description: 'The stream explorer page, served by the local host; in Azure it is deployed as a static site.' }),
    health: z.literal(HEALTH),
    docs: z.string(),
  })
  .meta({ id: 'ApiIndex' });
type ApiIndex = z.infer<typeof ApiIndex>;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const indexPage = (index: ApiIndex): string => `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>eventlog</title></head>
  <body>
    <h1>eventlog ${escapeHtml(index.version)}</h1>
    <p>The event log's HTTP API is under <code>/api</code> (region ${escapeHtml(index.region)}).</p>
    <ul>
      <li><a href="${EXPLORER}">Stream explorer</a>: streams, events with time travel, projections</li>
      <li><a href="${OPENAPI}">OpenAPI document</a>: every route, its parameters and answers</li>
      <li><a href="${HEALTH}">Health</a></li>
    </ul>
  </body>
</html>
`;

/** A browser asks for HTML first; curl, fetch and the client ask for JSON or anything. */
const wantsHtml = (request: ApiRequest): boolean => /(^|,)\s*text\/html\b/i.test(request.headers.accept ?? '');

/** `GET /api` (and `GET /` on the local host): where to start, as a page for a browser and as JSON otherwise. */
export const apiIndex = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const index: ApiIndex = {
    name: 'eventlog',
    version: services.version,
    region: services.region,
    openapi: OPENAPI,
    explorer: EXPLORER,
    health: HEALTH,
    docs: 'The routes are documented in the OpenAPI document; the explorer is a page over the same API.',
  };
  if (wantsHtml(request))
    return {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        vary: 'accept',
        'content-security-policy': "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
      },
      rawBody: indexPage(index),
    };
  return { status: 200, headers: { vary: 'accept' }, body: index };
};

/** `GET /api/streams/{streamId}`: not a route of its own; the answer gives the path the stream lives at. */
export const streamIdPath = async (request: ApiRequest): Promise<ApiResponse> => {
  const streamId = request.params.streamId ?? '';
  const asked = `GET /api/streams/${encodeURIComponent(streamId)}`;
  const stream = parseStreamId(streamId);
  if (stream === undefined)
    return problem(
      404,
      NO_ROUTE,
      'No such route',
      `no route for ${asked}: a stream is at /api/streams/{aggregateType}/{aggregateId}, e.g. /api/streams/Order/42 for the stream Order-42`,
    );
  const path = `/api/streams/${encodeURIComponent(stream.aggregateType)}/${encodeURIComponent(stream.aggregateId)}`;
  return problem(
    404,
    NO_ROUTE,
    'No such route',
    `no route for ${asked}: the stream ${streamId} is at ${path} (its events at ${path}/events)`,
    { streamPath: path, eventsPath: `${path}/events` },
  );
};

export const StreamIdParams = z.object({
  streamId: z.string().meta({ description: 'A stream id, `{aggregateType}-{aggregateId}` such as `Order-42`.' }),
});

/** OpenAPI documentation of the navigation routes, by route name. */
export const navigationOperations = {
  apiIndex: {
    summary: 'Where to start: links to the OpenAPI document and the stream explorer',
    description: 'JSON, or an HTML page when the request asks for `text/html` first (a browser). The local host answers `GET /` the same way.',
    tags: ['operations'],
    responses: {
      200: {
        description: 'The links.',
        content: { 'application/json': { schema: ApiIndex }, 'text/html': { schema: z.string() } },
      },
    },
  },
  streamIdPath: {
    summary: 'Not a route: a stream addressed by its id',
    description:
      'Streams are addressed by type and id, `/api/streams/{aggregateType}/{aggregateId}`. This path answers 404 `no-route` ' +
      'with that path in `streamPath` (and `eventsPath`) when `streamId` is a valid stream id.',
    tags: ['streams'],
    request: { params: StreamIdParams },
    responses: { 404: problemResponse('`no-route`: the stream is at `streamPath`.') },
  },
} satisfies Record<string, OperationDoc>;
