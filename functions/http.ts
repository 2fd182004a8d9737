import { app, type HttpHandler, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { dispatch } from '../src/api/dispatch.ts';
import { routes } from '../src/api/routes.ts';
import type { ApiRequest, ApiResponse, Route } from '../src/api/types.ts';
import { getApp } from './appContext.ts';
import { contextLogger } from './contextLogger.ts';

export const toApiRequest = async (request: HttpRequest, method: string): Promise<ApiRequest> => {
  const body = method === 'GET' || method === 'DELETE' ? undefined : new Uint8Array(await request.arrayBuffer());
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { method, params: { ...request.params }, query: new URLSearchParams(request.query), headers, body: body?.byteLength ? body : undefined };
};

export const toHttpResponse = (response: ApiResponse): HttpResponseInit =>
  response.rawBody !== undefined
    ? { status: response.status, headers: response.headers, body: response.rawBody }
    : { status: response.status, headers: response.headers, jsonBody: response.body };

/** Binds one route of the shared table; the handler itself lives in src/api. */
export const httpHandlerFor =
  <S>(route: Route<S>, services: () => Promise<S>): HttpHandler =>
  async (request, context) =>
    toHttpResponse(await dispatch(route, await toApiRequest(request, route.method), await services(), contextLogger(context)));

for (const route of routes) {
  app.http(route.name, {
    methods: [route.method],
    route: route.route,
    authLevel: route.authLevel,
    handler: httpHandlerFor(route, async () => (await getApp()).services),
  });
}
