import { StoreUnavailableError } from '../../core/index.ts';

// How failures of the Cosmos DB SDK map to the product's errors. The SDK throws ErrorResponse
// ({code, substatus, retryAfterInMs, headers}) for HTTP errors, TimeoutError for its own timeout and
// core-rest-pipeline errors for the network; a batch wraps them in `cause`.

export type CosmosFailure =
  /** 429 after the SDK's own bounded retries: the request was not executed. */
  | { kind: 'throttled'; retryAfterMs?: number }
  /** The request may or may not have been executed (timeout, 503, connection lost mid-request). */
  | { kind: 'outcome-unknown'; retryAfterMs?: number; reason: string }
  /** The request did not reach the service or cannot succeed as configured: not executed. */
  | { kind: 'unavailable'; reason: string }
  | { kind: 'other' };

interface ErrorShape {
  code?: unknown;
  substatus?: unknown;
  retryAfterInMs?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Network failures after which a request may have reached the service. */
const IN_FLIGHT_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'REQUEST_SEND_ERROR', 'TimeoutError', 'UND_ERR_SOCKET']);
/** Network failures before the request left: it was not executed. */
const NOT_SENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The innermost error of a cause chain that carries a status or network code (bounded walk). */
const rootOf = (error: unknown): ErrorShape => {
  let current = error as ErrorShape;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    if (current.code !== undefined) return current;
    current = current.cause as ErrorShape;
  }
  return (error ?? {}) as ErrorShape;
};

const messageOf = (error: ErrorShape): string => (typeof error.message === 'string' ? error.message.split('\n')[0]!.slice(0, 200) : String(error.code));

export const classifyCosmosError = (error: unknown): CosmosFailure => {
  const root = rootOf(error);
  const retryAfterMs = typeof root.retryAfterInMs === 'number' ? root.retryAfterInMs : undefined;
  const code = root.code;
  if (code === 'DeadlineExceeded' || (root as { name?: unknown }).name === 'AbortError')
    return { kind: 'outcome-unknown', reason: messageOf(root) };
  if (code === 429) return { kind: 'throttled', retryAfterMs };
  if (code === 408 || code === 503 || code === 449) return { kind: 'outcome-unknown', retryAfterMs, reason: `HTTP ${code}` };
  if (code === 401 || code === 403) return { kind: 'unavailable', reason: `not authorized (HTTP ${code}): check the key or the app's role assignment` };
  if (code === 404) return { kind: 'unavailable', reason: `database or container not found (HTTP 404): run npm run cosmos:init, or let infra create it` };
  if (typeof code === 'string' && IN_FLIGHT_NETWORK_CODES.has(code)) return { kind: 'outcome-unknown', reason: messageOf(root) };
  if (typeof code === 'string' && NOT_SENT_NETWORK_CODES.has(code)) return { kind: 'unavailable', reason: messageOf(root) };
  if (typeof code === 'number' && code >= 500) return { kind: 'outcome-unknown', reason: `HTTP ${code}` };
  return { kind: 'other' };
};

export const retryAfterSeconds = (retryAfterMs: number | undefined): number => Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000));

/** A classified failure as the product reports it: unavailable (503 with Retry-After) when transient, else the cause unchanged. */
export const reportFailure = (failure: CosmosFailure, cause: unknown, action: string): unknown => {
  switch (failure.kind) {
    case 'throttled':
      return new StoreUnavailableError(`Cosmos DB ${action}: throttled (429)`, retryAfterSeconds(failure.retryAfterMs), { cause });
    case 'outcome-unknown':
      return new StoreUnavailableError(`Cosmos DB ${action}: ${failure.reason}`, retryAfterSeconds(failure.retryAfterMs), { cause });
    case 'unavailable':
      return new StoreUnavailableError(`Cosmos DB ${action}: ${failure.reason}`, retryAfterSeconds(undefined), { cause });
    case 'other':
      return cause;
  }
};

export const toStoreError = (error: unknown, action: string): unknown =>
  error instanceof StoreUnavailableError ? error : reportFailure(classifyCosmosError(error), error, action);

/** Runs a read and reports its failures as the product's errors. */
export const mapCosmosErrors = async <T>(action: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error, action);
  }
};
