// A loopback stand-in for Azure Resource Manager that speaks the Cosmos DB account API
// the infra scripts use: GET the account, failoverPriorityChange, offlineRegion,
// onlineRegion, with long-running operations (202 + Azure-AsyncOperation or Location).
// It records every request so tests can assert the exact calls and bodies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
  body: unknown;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Policy {
  locationName: string;
  failoverPriority: number;
}

const DISPLAY: Record<string, string> = {
  westeurope: 'West Europe',
  northeurope: 'North Europe',
  eastus: 'East US',
  westus2: 'West US 2',
};
const display = (region: string): string => DISPLAY[region] ?? region;

export interface FakeArmOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  accountName?: string;
  /** Initial priorities, normalized names. */
  policies?: Policy[];
  multiWrite?: boolean;
  /** Polls answered InProgress before an operation succeeds. */
  inProgressPolls?: number;
  /** How 202s tell where to poll. */
  pollStyle?: 'azure-asyncoperation' | 'location';
  /** Retry-After on 202 and on InProgress polls, in seconds. */
  retryAfterSeconds?: number;
  /** Final status of operations: Succeeded, or Failed to simulate a failed failover. */
  operationOutcome?: 'Succeeded' | 'Failed';
  /** When true, a succeeded failover does not change the account (to test verification). */
  ignoreFailover?: boolean;
}

export class FakeArm {
  readonly requests: RecordedRequest[] = [];
  readonly options: Required<FakeArmOptions>;
  policies: Policy[];
  offline = new Set<string>();
  /** Responses served before the simulation, per "METHOD /path-suffix" key; consumed in order. */
  readonly queued = new Map<string, CannedResponse[]>();
  #server: Server | undefined;
  #base = '';
  #operations = new Map<string, { polls: number; apply: () => void }>();
  #nextOperation = 1;

  constructor(options: FakeArmOptions = {}) {
    this.options = {
      subscriptionId: 'sub-1',
      resourceGroup: 'rg-eventlog',
      accountName: 'cosmos-eventlog-abc',
      policies: [
        { locationName: 'westeurope', failoverPriority: 0 },
        { locationName: 'northeurope', failoverPriority: 1 },
      ],
      multiWrite: false,
      inProgressPolls: 1,
      pollStyle: 'azure-asyncoperation',
      retryAfterSeconds: 0,
      operationOutcome: 'Succeeded',
      ignoreFailover: false,
      ...options,
    };
    this.policies = this.options.policies.map((p) => ({ ...p }));
  }

  get endpoint(): string {
    return this.#base;
  }

  get accountPath(): string {
    const o = this.options;
    return `/subscriptions/${o.subscriptionId}/resourceGroups/${o.resourceGroup}/providers/Microsoft.DocumentDB/databaseAccounts/${o.accountName}`;
  }

  /** Queue canned answers for the next requests to `${method} ${accountPath}${suffix}`. */
  queue(method: string, suffix: string, ...responses: CannedResponse[]): void {
    const key = `${method} ${this.accountPath}${suffix}`;
    this.queued.set(key, [...(this.queued.get(key) ?? []), ...responses]);
  }

  /** Requests other than polls, as "METHOD path-suffix" for compact assertions. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path.startsWith(this.accountPath) ? r.path.slice(this.accountPath.length) || '/' : r.path}`);
  }

  writeRegion(): string | undefined {
    if (this.options.multiWrite) return undefined;
    const online = [...this.policies].filter((p) => !this.offline.has(p.locationName)).sort((a, b) => a.failoverPriority - b.failoverPriority);
    return online[0]?.locationName;
  }

  accountBody(): unknown {
    const sorted = [...this.policies].sort((a, b) => a.failoverPriority - b.failoverPriority);
    const writer = this.writeRegion();
    const loc = (p: Policy) => ({
      id: `${this.options.accountName}-${p.locationName}`,
      locationName: display(p.locationName),
      failoverPriority: p.failoverPriority,
      provisioningState: this.offline.has(p.locationName) ? 'Offline' : 'Succeeded',
      isZoneRedundant: false,
    });
    const online = sorted.filter((p) => !this.offline.has(p.locationName));
    return {
      id: this.accountPath,
      name: this.options.accountName,
      type: 'Microsoft.DocumentDB/databaseAccounts',
      location: display(this.options.policies[0]!.locationName),
      kind: 'GlobalDocumentDB',
      properties: {
        provisioningState: 'Succeeded',
        documentEndpoint: `https://${this.options.accountName}.documents.azure.com:443/`,
        enableMultipleWriteLocations: this.options.multiWrite,
        writeLocations: (this.options.multiWrite ? online : online.filter((p) => p.locationName === writer)).map(loc),
        readLocations: online.map(loc),
        locations: sorted.map(loc),
        failoverPolicies: sorted.map((p) => ({ id: `${this.options.accountName}-${p.locationName}`, locationName: display(p.locationName), failoverPriority: p.failoverPriority })),
      },
    };
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.#base = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    if (this.#server === undefined) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }

  #send(res: ServerResponse, response: CannedResponse): void {
    const headers: Record<string, string> = { ...(response.headers ?? {}) };
    let payload = '';
    if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers['content-type'] = 'application/json';
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  #accepted(apply: () => void): CannedResponse {
    const id = `op-${this.#nextOperation++}`;
    this.#operations.set(id, { polls: 0, apply });
    const pollUrl = `${this.#base}/subscriptions/${this.options.subscriptionId}/providers/Microsoft.DocumentDB/locations/westeurope/operationsStatus/${id}?api-version=2025-10-15`;
    const headers: Record<string, string> = { 'retry-after': String(this.options.retryAfterSeconds) };
    if (this.options.pollStyle === 'azure-asyncoperation') headers['azure-asyncoperation'] = pollUrl;
    else headers.location = pollUrl;
    return { status: 202, headers };
  }

  #poll(id: string): CannedResponse {
    const operation = this.#operations.get(id);
    if (operation === undefined) return { status: 404, body: { error: { code: 'NotFound', message: 'no such operation' } } };
    operation.polls++;
    const retry = { 'retry-after': String(this.options.retryAfterSeconds) };
    const asyncStyle = this.options.pollStyle === 'azure-asyncoperation';
    if (operation.polls <= this.options.inProgressPolls) {
      return asyncStyle ? { status: 200, headers: retry, body: { status: 'InProgress' } } : { status: 202, headers: retry };
    }
    if (this.options.operationOutcome === 'Failed') {
      const error = { code: 'FailoverFailed', message: 'the region could not take the writes' };
      return asyncStyle ? { status: 200, body: { status: 'Failed', error } } : { status: 500, body: { error } };
    }
    operation.apply();
    operation.apply = () => {};
    return asyncStyle ? { status: 200, body: { status: 'Succeeded' } } : { status: 200, body: {} };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.#base);
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      url: `${url.pathname}${url.search}`,
      path: url.pathname,
      apiVersion: url.searchParams.get('api-version'),
      authorization: req.headers.authorization,
      body,
    });

    const key = `${method} ${url.pathname}`;
    const canned = this.queued.get(key);
    if (canned !== undefined && canned.length > 0) {
      this.#send(res, canned.shift()!);
      return;
    }

    const operation = /\/operationsStatus\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && operation !== null) {
      this.#send(res, this.#poll(operation[1]!));
      return;
    }
    const norm = (s: string) => s.toLowerCase().replace(/\s+/g, '');
    if (method === 'GET' && url.pathname === this.accountPath) {
      this.#send(res, { status: 200, body: this.accountBody() });
      return;
    }
    if (method === 'POST' && url.pathname === `${this.accountPath}/failoverPriorityChange`) {
      const policies = ((body as { failoverPolicies?: Policy[] }).failoverPolicies ?? []).map((p) => ({
        locationName: norm(p.locationName),
        failoverPriority: p.failoverPriority,
      }));
      this.#send(res, this.#accepted(() => {
        if (!this.options.ignoreFailover) this.policies = policies;
      }));
      return;
    }
    if (method === 'POST' && url.pathname === `${this.accountPath}/offlineRegion`) {
      const region = norm((body as { region: string }).region);
      this.#send(res, this.#accepted(() => {
        // Offlining the writer promotes the next region by priority, as the service does.
        if (this.writeRegion() === region) {
          const order = [...this.policies].sort((a, b) => a.failoverPriority - b.failoverPriority).filter((p) => p.locationName !== region);
          this.policies = [...order, this.policies.find((p) => p.locationName === region)!].map((p, i) => ({ locationName: p.locationName, failoverPriority: i }));
        }
        this.offline.add(region);
      }));
      return;
    }
    if (method === 'POST' && url.pathname === `${this.accountPath}/onlineRegion`) {
      const region = norm((body as { region: string }).region);
      this.#send(res, this.#accepted(() => this.offline.delete(region)));
      return;
    }
    this.#send(res, { status: 404, body: { error: { code: 'ResourceNotFound', message: `no route ${method} ${url.pathname}` } } });
  }
}
