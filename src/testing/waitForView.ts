// Read-your-writes over HTTP: `GET /api/views/{view}/{key}?atLeast={token}` waits on the server until
// this region's projection has applied the command's write, so a test needs no sleep and no polling.

/** A view as the API answers it. */
export interface ViewAnswer<Data = Record<string, unknown>> {
  view: string;
  key: string;
  region: string;
  data: Data;
  updatedAt: string;
}

export interface WaitForViewOptions {
  /** How long the server waits for the projection (ms, default 5000, at most 30000). */
  waitMs?: number;
  /** Headers of the request, such as `x-functions-key`. */
  headers?: Record<string, string>;
}

/** The view's answer was not 200: its status and problem are in the message. */
export class ViewReadError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super(`view read answered ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * Reads a view once the write the consistency token names is applied to it. `baseUrl` is the host
 * (`http://127.0.0.1:7071`); a view not caught up in time, or absent, throws `ViewReadError`.
 */
export const waitForView = async <Data = Record<string, unknown>>(
  baseUrl: string,
  view: string,
  key: string,
  consistencyToken: string,
  options: WaitForViewOptions = {},
): Promise<ViewAnswer<Data>> => {
  const query = new URLSearchParams({ atLeast: consistencyToken, wait: String(options.waitMs ?? 5_000) });
  const response = await fetch(`${baseUrl}/api/views/${encodeURIComponent(view)}/${encodeURIComponent(key)}?${query}`, { headers: options.headers ?? {} });
  const text = await response.text();
  const body: unknown = text === '' ? undefined : JSON.parse(text);
  if (response.status !== 200) throw new ViewReadError(response.status, body);
  return body as ViewAnswer<Data>;
};
