import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorize, type ApiKeys } from '../api/auth.ts';
import { dispatch } from '../api/dispatch.ts';
import { problem, validationProblem } from '../api/problem.ts';
import type { ApiRequest, ApiResponse, Route } from '../api/types.ts';
import type { Logger } from '../core/index.ts';
import { MAX_BODY_BYTES } from '../api/validation.ts';
import { answerMalformedRequests } from './malformedHttp.ts';
import { compileRoutes } from './router.ts';
import { writeStream } from './streamResponse.ts';

export interface LocalHostOptions<S> {
  routes: readonly Route<S>[];
  services: S;
  keys: ApiKeys;
  port: number;
  host?: string;
  logger: Logger;
}

export interface LocalHost {
  url: string;
  port: number;
  /** Stops accepting requests and waits (bounded) for those in flight. */
  close(): Promise<void>;
}

const BASE_PATH = '/api/';
const DRAIN_TIMEOUT_MS = 10_000;
/** How long an idle keep-alive connection stays open: longer than the clients' own idle timeouts. */
export const KEEP_ALIVE_MS = 65_000;
/** Where the host listens without HOST: this machine only (its API is open when no keys are set). */
export const DEFAULT_HOST = '127.0.0.1';

/** A listen that failed for a reason the user fixes in the settings; its message is the one line to print. */
export class ListenError extends Error {}

/** EADDRINUSE and its kin as one line naming the address and the variable to change. */
const listenError = (error: NodeJS.ErrnoException, host: string, port: number): Error => {
  if (error.code === 'EADDRINUSE')
    return new ListenError(`port ${port} is already in use on ${host}: stop what listens there, or set PORT to another port (e.g. PORT=${port + 1})`);
  if (error.code === 'EACCES') return new ListenError(`not allowed to listen on port ${port} on ${host}: set PORT to 1024 or above`);
  if (error.code === 'EADDRNOTAVAIL') return new ListenError(`cannot listen on ${host}: not an address of this machine (set HOST, default ${DEFAULT_HOST})`);
  return error;
};

const listen = (server: Server, host: string, port: number): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => resolve());
  });

/**
 * The path below `/api` that the route table matches. `/api` itself is the API's index, and so is the
 * site root `/`: outside the API, so only the local host answers it (in Azure the Functions host owns `/`).
 */
const routePathOf = (pathname: string): string | undefined =>
  pathname === '/' || pathname === '/api' ? '' : pathname.startsWith(BASE_PATH) ? pathname.slice(BASE_PATH.length) : undefined;

/** Reads at most one byte past the limit, so an oversized body is recognised without buffering it. */
const readBody = (request: IncomingMessage): Promise<Uint8Array | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    request.on('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES + 1)));
    request.on('error', reject);
  });

const send = (response: ServerResponse, result: ApiResponse, head = false): void => {
  // A streamed answer (SSE) is not a request in flight: closing the host ends it with its connection.
  if (result.stream !== undefined) return void writeStream(response, { ...result, stream: result.stream }, head).catch(() => response.destroy());
  const headers: Record<string, string> = { ...result.headers };
  let payload: string | undefined = result.rawBody;
  if (payload === undefined && result.body !== undefined) {
    payload = JSON.stringify(result.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  response.writeHead(result.status, headers);
  response.end(head ? undefined : payload);
};

/** The development host: serves the same route table as the Functions app, with the same auth levels. */
export const startLocalHost = async <S>(options: LocalHostOptions<S>): Promise<LocalHost> => {
  const match = compileRoutes(options.routes);
  const inFlight = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = routePathOf(url.pathname);
    // HEAD is GET without the body (RFC 9110), so every GET route answers it.
    const head = req.method === 'HEAD';
    const method = head ? 'GET' : (req.method ?? 'GET');
    const found = path === undefined ? ({ kind: 'not-found' } as const) : match(method, path);
    const body = await readBody(req);
    if (found.kind === 'not-found') return send(res, problem(404, 'no-route', 'No such route', `no route for ${req.method} ${url.pathname}`), head);
    if (found.kind === 'bad-path') return send(res, validationProblem([{ path: 'path', message: 'is not valid percent-encoding' }]), head);
    if (found.kind === 'method-not-allowed') {
      const allow = found.allow.join(', ');
      if (method === 'OPTIONS')
        return send(res, { status: 204, headers: { allow: [allow, ...(found.allow.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ') } });
      return send(res, problem(405, 'method-not-allowed', 'Method not allowed', `${req.method} is not allowed on ${url.pathname}`, {}, { allow }), head);
    }

    // Null prototype: a client's header names are keys here, and no name may find an inherited member.
    const headers: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    // Long polls and streams stop when the client goes away.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const apiRequest: ApiRequest = { method: found.route.method, params: found.params, query: url.searchParams, headers, body, signal: gone.signal };
    const denied = authorize(found.route.authLevel, apiRequest, options.keys);
    send(res, denied ?? (await dispatch(found.route, apiRequest, options.services, options.logger)), head);
  };

  const server = createServer((req, res) => {
    const work = handle(req, res)
      .catch((error: unknown) => {
        options.logger.error('request failed', { error: String(error) });
        if (!res.headersSent) send(res, problem(500, 'internal-error', 'Internal error', 'The server failed to handle the request.'));
        else res.destroy();
      })
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  // An idle keep-alive socket is closed by the client first: a server that closes it while a client sends
  // on it makes that request fail with ECONNRESET (Node's docs, `request.reusedSocket`). Clients keep idle
  // sockets a few seconds (Node's global agent and fetch: about 5 s; browsers up to a minute), so the host
  // outlives them. headersTimeout stays above it, or it would cut idle keep-alive sockets short.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  answerMalformedRequests(server);

  const host = options.host ?? DEFAULT_HOST;
  await listen(server, host, options.port);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = Promise.allSettled([...inFlight]);
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref())]);
      server.closeAllConnections();
      await closed;
    },
  };
};
