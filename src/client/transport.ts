import { setTimeout as delay } from 'node:timers/promises';
import { retry, type RetryPolicy } from '../core/index.ts';
import { EventLogProblemError, EventLogUnavailableError, EventLogUnexpectedResponseError, type ProblemBody } from './errors.ts';
import { nextRetryDelayMs, parseRetryAfter, RETRYABLE_STATUSES } from './retry.ts';

export interface TransportOptions {
  /** Base URL of the API, ending in `/api`. */
  apiUrl: string;
  apiKey?: string;
  fetch: typeof fetch;
  retry: RetryPolicy;
  /** Per try, response body included. */
  timeoutMs: number;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  /** Path segments below `/api`, each percent-encoded here. */
  segments: string[];
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Whether sending the request twice has the effect of sending it once; only such requests are retried. */
  idempotent: boolean;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  url: string;
}

export type Transport = (call: HttpCall) => Promise<HttpAnswer>;

export const urlOf = (apiUrl: string, call: Pick<HttpCall, 'segments' | 'query'>): string => {
  const url = new URL(`${apiUrl}/${call.segments.map(encodeURIComponent).join('/')}`);
  for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  return url.toString();
};

export const readJson = async (response: Response, url: string): Promise<unknown> => {
  const text = await response.text();
  if (text === '') return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!/json/i.test(type)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EventLogUnexpectedResponseError(url, response.status, `body is not valid JSON (content-type ${type})`);
  }
};

const isProblemBody = (body: unknown): body is ProblemBody =>
  typeof body === 'object' &&
  body !== null &&
  typeof (body as ProblemBody).type === 'string' &&
  typeof (body as ProblemBody).status === 'number' &&
  typeof (body as ProblemBody).detail === 'string';

/**
 * The error for a 4xx/5xx answer. Gateways and the Functions host itself (401 on a wrong key) may answer
 * without a problem document; those still become a problem error, typed `about:blank` as RFC 9457 says.
 */
export const problemErrorOf = (answer: HttpAnswer): EventLogProblemError => {
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
  const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
  if (isProblemBody(answer.body))
    return new EventLogProblemError({ ...answer.body, title: typeof answer.body.title === 'string' ? answer.body.title : '' }, retryAfterSeconds, answer.url);
  const text = typeof answer.body === 'string' ? answer.body.slice(0, 200) : '';
  return new EventLogProblemError(
    { type: 'about:blank', title: `HTTP ${answer.status}`, status: answer.status, detail: text || `HTTP ${answer.status} from ${answer.url} without a problem document` },
    retryAfterSeconds,
    answer.url,
  );
};

/** Request headers with the API key, when there is one. */
export const headersOf = (options: Pick<TransportOptions, 'apiKey'>, headers: Record<string, string>): Record<string, string> =>
  options.apiKey === undefined ? { ...headers } : { ...headers, 'x-functions-key': options.apiKey };

/**
 * Sends requests with the API key, a timeout per try, and bounded retries of idempotent requests on
 * transient answers and on no answer at all. Non-idempotent requests get exactly one try: the outcome
 * of a write whose answer was lost is unknown, and only an Idempotency-Key makes a second try safe.
 */
export const createTransport = (options: TransportOptions): Transport => async (call) => {
  const url = urlOf(options.apiUrl, call);
  const headers = headersOf(options, { accept: 'application/json, application/problem+json', ...call.headers });
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);

  const send = async (): Promise<HttpAnswer> => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
    let answer: HttpAnswer;
    try {
      const response = await options.fetch(url, { method: call.method, headers, body, signal });
      answer = { status: response.status, headers: response.headers, body: await readJson(response, url), url };
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (error instanceof EventLogUnexpectedResponseError) throw error;
      throw new EventLogUnavailableError(url, { cause: error });
    }
    if (call.idempotent && RETRYABLE_STATUSES.has(answer.status)) throw new TransientAnswer(answer);
    return answer;
  };
  /** The wait before the next try, or undefined when the policy (or the server's Retry-After) says stop. */
  const waitAfter = (error: unknown, attempt: number): number | undefined => {
    if (!call.idempotent) return undefined;
    if (error instanceof TransientAnswer) return nextRetryDelayMs(attempt, options.retry, parseRetryAfter(error.answer.headers.get('retry-after')));
    return error instanceof EventLogUnavailableError ? nextRetryDelayMs(attempt, options.retry) : undefined;
  };
  try {
    return await retry(send, {
      policy: options.retry,
      retryOn: (error, attempt) => waitAfter(error, attempt) !== undefined,
      delayMs: (error, attempt) => waitAfter(error, attempt) ?? 0,
      wait: (ms) => delay(ms, undefined, { signal: call.signal }),
    });
  } catch (error) {
    // The last transient answer is the answer: the caller turns it into its problem error.
    if (error instanceof TransientAnswer) return error.answer;
    throw error;
  }
};

/** An answer worth another try of an idempotent request (429, 502, 503, 504). */
class TransientAnswer extends Error {
  readonly answer: HttpAnswer;
  constructor(answer: HttpAnswer) {
    super(`HTTP ${answer.status}`);
    this.answer = answer;
  }
}
