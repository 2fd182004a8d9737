import type { RouteConfig } from '@asteasolutions/zod-to-openapi';

/** A request as every host hands it to the handlers: already routed, nothing framework-specific. */
export interface ApiRequest {
  method: string;
  /** Route parameters, from the `{name}` segments of the route template. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** Raw body; undefined when there is none. */
  body?: Uint8Array;
  /** Aborted when the client goes away (hosts that can tell): long polls and streams stop early. */
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON unless `rawBody` is set. */
  body?: unknown;
  /** Pre-serialized body (HTML, text) with its content type in `headers`. */
  rawBody?: string;
  /** A body written as it is produced (Server-Sent Events), chunk by chunk, until it ends. */
  stream?: AsyncIterable<string>;
}

/** Mirrors Azure Functions' authLevel, which the local host enforces the same way. */
export type AuthLevel = 'anonymous' | 'function' | 'admin';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a route adds to the OpenAPI document beyond its method, path and auth level. */
export type OperationDoc = Omit<RouteConfig, 'method' | 'path' | 'security'>;

export interface Route<Services> {
  /** Unique function name in Azure, and the OpenAPI operationId. */
  name: string;
  method: HttpMethod;
  /** Route template below `/api`, in the Functions syntax: `streams/{aggregateType}/{aggregateId}/events`. */
  route: string;
  authLevel: AuthLevel;
  handle: (request: ApiRequest, services: Services) => Promise<ApiResponse>;
  /** The route's entry in the OpenAPI document, declared with the route so the two cannot drift apart. */
  doc: OperationDoc;
}
