// A small Azure Resource Manager client on fetch: bearer token, bounded retries on
// throttling and busy accounts, long-running operations polled to the end, and a dry run
// that prints what it would change. The base URL is configurable (ARM_ENDPOINT) so tests
// can point it at a loopback server.

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
export const DEFAULT_ARM_SCOPE = 'https://management.azure.com/.default';

/** The part of @azure/core-auth's TokenCredential this client uses. */
export interface TokenSource {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** A credential that always answers the same token: for tests, or a token from `az account get-access-token`. */
export const staticToken = (token: string): TokenSource => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
});

export interface ArmClientOptions {
  credential: TokenSource;
  endpoint?: string;
  scope?: string;
  /** Print mutating calls instead of sending them; reads still go out. */
  dryRun?: boolean;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Retries of one request answered 429 or 5xx. */
  maxRetries?: number;
  /** Retries of one request answered 409 (another operation holds the account). */
  maxConflictRetries?: number;
  /** Wait between polls when the service gives no Retry-After. */
  pollIntervalMs?: number;
  /** Polls of one long-running operation before giving up. */
  maxPolls?: number;
  fetch?: typeof fetch;
}

export class ArmError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(message: string, status: number, code?: string) {
    super(message);
    this.name = 'ArmError';
    this.status = status;
    this.code = code;
  }
}

export interface ArmResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface LroResult {
  /** False in a dry run: nothing was sent. */
  sent: boolean;
  status: 'Succeeded' | 'DryRun';
  polls: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (headers: Headers, now: number = Date.now()): number | undefined => {
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
};

const errorOf = (body: unknown): { code?: string; message?: string } => {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return {};
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
};

export class ArmClient {
  readonly endpoint: string;
  readonly dryRun: boolean;
  readonly #origin: string;
  readonly #credential: TokenSource;
  readonly #scope: string;
  readonly #log: (line: string) => void;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #maxRetries: number;
  readonly #maxConflictRetries: number;
  readonly #pollIntervalMs: number;
  readonly #maxPolls: number;
  readonly #fetch: typeof fetch;

  constructor(options: ArmClientOptions) {
    this.endpoint = (options.endpoint ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '');
    this.#origin = new URL(this.endpoint).origin;
    this.dryRun = options.dryRun ?? false;
    this.#credential = options.credential;
    this.#scope = options.scope ?? DEFAULT_ARM_SCOPE;
    this.#log = options.log ?? ((line) => console.log(line));
    this.#sleep = options.sleep ?? realSleep;
    this.#maxRetries = options.maxRetries ?? 6;
    this.#maxConflictRetries = options.maxConflictRetries ?? 5;
    this.#pollIntervalMs = options.pollIntervalMs ?? 10_000;
    this.#maxPolls = options.maxPolls ?? 360;
    this.#fetch = options.fetch ?? fetch;
  }

  url(path: string, apiVersion: string): string {
    const separator = path.includes('?') ? '&' : '?';
    return `${this.endpoint}${path}${separator}api-version=${encodeURIComponent(apiVersion)}`;
  }

  async get(path: string, apiVersion: string): Promise<ArmResponse> {
    return this.#send('GET', this.url(path, apiVersion), undefined);
  }

  /** POST an action that may run long; returns when it has succeeded, throws when it failed. */
  async postAction(path: string, apiVersion: string, body: unknown): Promise<LroResult> {
    const url = this.url(path, apiVersion);
    if (this.dryRun) {
      this.#log(`[dry-run] would POST ${url}`);
      this.#log(`[dry-run]   body ${JSON.stringify(body)}`);
      return { sent: false, status: 'DryRun', polls: 0 };
    }
    const response = await this.#send('POST', url, body);
    if (response.status === 200 || response.status === 204) return { sent: true, status: 'Succeeded', polls: 0 };
    if (response.status !== 201 && response.status !== 202) {
      throw new ArmError(`POST ${url} answered ${response.status}`, response.status);
    }
    return this.#poll(response);
  }

  async #poll(accepted: ArmResponse): Promise<LroResult> {
    const asyncOperation = accepted.headers.get('azure-asyncoperation');
    const location = accepted.headers.get('location');
    const pollUrl = asyncOperation ?? location;
    if (pollUrl === null) return { sent: true, status: 'Succeeded', polls: 0 };
    let wait = retryAfterMs(accepted.headers) ?? this.#pollIntervalMs;
    for (let polls = 1; polls <= this.#maxPolls; polls++) {
      await this.#sleep(wait);
      const response = await this.#send('GET', pollUrl, undefined);
      wait = retryAfterMs(response.headers) ?? this.#pollIntervalMs;
      if (asyncOperation !== null) {
        // Azure-AsyncOperation: 200 with {status}; only the status ends the wait.
        const status = (response.body as { status?: unknown } | undefined)?.status;
        if (status === 'Succeeded') return { sent: true, status: 'Succeeded', polls };
        if (status === 'Failed' || status === 'Canceled') {
          const { code, message } = errorOf(response.body);
          throw new ArmError(
            `operation ${status.toLowerCase()}${code ? ` (${code})` : ''}${message ? `: ${message}` : ''}`,
            response.status,
            code,
          );
        }
        this.#log(`  ... operation ${typeof status === 'string' ? status : 'pending'} (poll ${polls})`);
      } else {
        // Location: 202 while running, 200/204 when done.
        if (response.status === 200 || response.status === 204) return { sent: true, status: 'Succeeded', polls };
        if (response.status !== 202) throw new ArmError(`operation ended with ${response.status}`, response.status);
        this.#log(`  ... operation running (poll ${polls})`);
      }
    }
    throw new ArmError(`operation still running after ${this.#maxPolls} polls; check the account before retrying`, 0, 'PollLimit');
  }

  async #send(method: string, url: string, body: unknown): Promise<ArmResponse> {
    // The token goes only to the configured ARM origin, never to a URL a response named elsewhere.
    if (new URL(url).origin !== this.#origin) {
      throw new ArmError(`refusing to call ${new URL(url).origin}: not the ARM endpoint ${this.#origin}`, 0, 'ForeignOrigin');
    }
    let retries = 0;
    let conflicts = 0;
    for (;;) {
      const token = await this.#credential.getToken(this.#scope);
      if (token === null) throw new ArmError(`no token for ${this.#scope}`, 0, 'NoToken');
      this.#log(`${method} ${url}`);
      const response = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = undefined;
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      if (response.ok) return { status: response.status, headers: response.headers, body: parsed };

      const { code, message } = errorOf(parsed);
      const detail = `${method} ${url} answered ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
      if (RETRYABLE.has(response.status) && retries < this.#maxRetries) {
        retries++;
        const wait = retryAfterMs(response.headers) ?? Math.min(60_000, 1000 * 2 ** retries);
        this.#log(`  ${response.status}: retry ${retries}/${this.#maxRetries} in ${wait} ms`);
        await this.#sleep(wait);
        continue;
      }
      if (response.status === 409 && method !== 'GET' && conflicts < this.#maxConflictRetries) {
        // Cosmos DB runs one control-plane operation per account at a time.
        conflicts++;
        const wait = retryAfterMs(response.headers) ?? Math.min(120_000, 15_000 * conflicts);
        this.#log(`  409 (account busy): retry ${conflicts}/${this.#maxConflictRetries} in ${wait} ms`);
        await this.#sleep(wait);
        continue;
      }
      throw new ArmError(detail, response.status, code);
    }
  }
}
