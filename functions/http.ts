import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { dispatch } from '../src/api/dispatch.ts';
import type { ApiRequest, ApiResponse, Route } from '../src/api/types.ts';
import { contextLogger } from './contextLogger.ts';

export const toApiRequest = async (request: HttpRequest, method: string): Promise<ApiRequest> => {
  const body = method === 'GET' || method === 'DELETE' ? undefined : new Uint8Array(await request.arrayBuffer());
  // Null prototype: header names come from the client, and none may find an inherited member.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { method, params: { ...request.params }, query: new URLSearchParams(request.query), headers, body: body?.byteLength ? body : undefined };
};

/** Chunks of a streamed answer as the Functions host takes them (HTTP streams, enabled in index.ts). */
async function* bytesOf(chunks: AsyncIterable<string>): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) yield Buffer.from(chunk, 'utf8');
}

export const toHttpResponse = (response: ApiResponse): HttpResponseInit =>
  response.stream !== undefined
    ? { status: response.status, headers: response.headers, body: bytesOf(response.stream) }
    : response.rawBody !== undefined
    ? { status: response.status, headers: response.headers, body: response.rawBody }
    : { status: response.status, headers: response.headers, jsonBody: response.body };

/** Binds one route of the shared table; the handler itself lives in src/api or in a module. */
export const httpHandlerFor =
  <S>(route: Route<S>, services: () => Promise<S>): HttpHandler =>
  async (request, context) =>
    toHttpResponse(await dispatch(route, await toApiRequest(request, route.method), await services(), contextLogger(context)));
