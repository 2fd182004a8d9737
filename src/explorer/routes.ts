import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { json, notFound, problemResponse } from '../api/openapi.ts';
import { problem } from '../api/problem.ts';
import type { ApiServices } from '../api/services.ts';
import type { ApiRequest, ApiResponse, Route } from '../api/types.ts';
import { validate } from '../api/validation.ts';
import { hasGlobalLog } from '../core/index.ts';
import { findAbove } from '../packageInfo.ts';
import { catalogOf } from './streamCatalog.ts';

// The stream explorer on the local host: its static files under /api/explorer/, and the stream list
// it starts from. Local only: in Azure the page is deployed as a static site (docs/cli.md).

/** The files of the page; nothing else under the folder is served. A Map: a client's path never meets `Object.prototype`. */
const FILES = new Map<string, string>([
  ['', 'index.html'],
  ['index.html', 'index.html'],
  ['explorer.js', 'explorer.js'],
  ['explorer.css', 'explorer.css'],
]);

const TYPES = new Map<string, string>([
  ['html', 'text/html; charset=utf-8'],
  ['js', 'text/javascript; charset=utf-8'],
  ['css', 'text/css; charset=utf-8'],
]);

// The page talks to this API and, for other regions, to theirs: hence connect-src beyond 'self'.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src 'self' http: https:; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Where the page's files are: beside this module in the sources, found the same way from dist/. */
export const staticDir = (): string => {
  const dir = findAbove(import.meta.url, join('src', 'explorer', 'static', 'index.html'));
  if (dir === undefined) throw new Error('the explorer page (src/explorer/static) is not installed');
  return join(dir, '..');
};

const cache = new Map<string, string>();

export const serveExplorerFile = async (request: ApiRequest): Promise<ApiResponse> => {
  const path = request.params.path;
  // `/api/explorer` without the slash: the page's relative links need it.
  if (path === undefined) return { status: 308, headers: { location: 'explorer/' }, rawBody: '' };
  const file = FILES.get(path);
  if (file === undefined) return problem(404, 'not-found', 'Not found', `the explorer has no file ${path}`);
  let body = cache.get(file);
  if (body === undefined) {
    body = await readFile(join(staticDir(), file), 'utf8');
    cache.set(file, body);
  }
  return { status: 200, headers: { 'content-type': TYPES.get(file.split('.').pop()!)!, ...SECURITY_HEADERS }, rawBody: body };
};

export const ListStreamsQuery = z.object({
  prefix: z.string().min(1).max(200).optional(),
  after: z.string().min(1).max(200).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'limit must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'limit must be at least 1').max(1000, 'limit must be at most 1000'))
    .optional(),
});

/** `GET /api/streams?prefix=&after=&limit=`: streams in streamId order, paged by `after`. */
export const listStreams = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { query } = validate({ query: [ListStreamsQuery, Object.fromEntries(request.query)] });
  const store = services.eventStore;
  if (!hasGlobalLog(store))
    return problem(501, 'not-implemented', 'Stream listing not available', `the ${store.kind} store cannot list its streams here; open a stream by its id`);
  return { status: 200, body: await catalogOf(store).list({ prefix: query.prefix, after: query.after, limit: query.limit ?? 100 }) };
};

const StreamList = z.looseObject({ streams: z.array(z.looseObject({ streamId: z.string() })) }).meta({ id: 'StreamList' });

/** Routes the local host adds to the app's table. */
export const explorerRoutes: Route<ApiServices>[] = [
  {
    name: 'explorer',
    method: 'GET',
    route: 'explorer/{*path}',
    authLevel: 'anonymous',
    handle: serveExplorerFile,
    doc: { summary: 'The stream explorer page (local host only)', tags: ['operations'], responses: { 200: { description: 'A file of the page.' }, 404: notFound('No such file.') } },
  },
  {
    name: 'listStreams',
    method: 'GET',
    route: 'streams',
    authLevel: 'function',
    handle: listStreams,
    doc: {
      summary: 'Streams in streamId order (local host only)',
      tags: ['streams'],
      request: { query: ListStreamsQuery },
      responses: { 200: json('A page of streams.', StreamList), 501: problemResponse('The store cannot list its streams.') },
    },
  },
];
