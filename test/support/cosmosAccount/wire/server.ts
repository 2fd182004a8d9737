import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Region } from '../regions/region.ts';
import { kindOf, type Interception, type Interceptor, type ReceivedRequest } from './interception.ts';
import { serviceUnavailable, type Reply } from './responses.ts';
import type { IncomingCall } from './routes.ts';

// One endpoint of the account on 127.0.0.1 (a port of its own, over http so no certificate is
// involved): a region's gateway, or the account's global endpoint. It logs every request, lets the
// test's interceptors answer, hang or reset it, and otherwise has the serving region answer. A region
// cut as `unavailable` answers 503; one cut as `refused` stops listening (its port stays reserved
// for when it is healed).

export interface EndpointOptions {
  via: ReceivedRequest['via'];
  /** The region that serves a request arriving now. */
  servingRegion: () => Region;
  /** Called with every request as it arrives (the account's request log). */
  record: (request: ReceivedRequest) => void;
  interceptors: () => readonly Interceptor[];
  serve: (region: Region, call: IncomingCall) => Reply;
}

const readBody = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
};

const pathOf = (req: IncomingMessage): string =>
  new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/\/+/, '/').replace(/\/+$/, '') || '/';

export class EndpointServer {
  private readonly server: Server;
  private readonly options: EndpointOptions;
  private readonly hanging = new Set<ServerResponse>();
  private port = 0;

  private constructor(options: EndpointOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.send(req, res, { status: 500, body: { code: 'InternalServerError', message: String(error) } });
      });
    });
    this.server.keepAliveTimeout = 1_000;
  }

  static async start(options: EndpointOptions): Promise<EndpointServer> {
    const endpoint = new EndpointServer(options);
    await endpoint.listen(0);
    endpoint.port = (endpoint.server.address() as AddressInfo).port;
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Stops listening and drops open connections: clients get connection refused. */
  async refuse(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again, on the same port. */
  async accept(): Promise<void> {
    if (!this.server.listening) await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    await this.refuse();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const region = this.options.servingRegion();
    const method = req.method ?? 'GET';
    const path = pathOf(req);
    const received: ReceivedRequest = { region: region.name, via: this.options.via, method, path, kind: kindOf(path, req.headers), headers: req.headers, body };
    this.options.record(received);
    const call: IncomingCall = { method, path, headers: req.headers, body };
    if (region.reachability !== 'up') return this.answer(req, res, received, serviceUnavailable());
    const interception = await this.intercepted(received);
    if (interception === undefined) return this.answer(req, res, received, this.options.serve(region, call));
    if ('respond' in interception) return this.answer(req, res, received, { ...interception.respond, charge: 0 });
    const { apply } = 'hang' in interception ? interception.hang : interception.reset;
    if (apply) this.options.serve(region, call);
    if ('hang' in interception) this.hanging.add(res);
    else req.socket.destroy();
  }

  private async intercepted(received: ReceivedRequest): Promise<Interception | undefined> {
    for (const interceptor of [...this.options.interceptors()]) {
      const interception = await interceptor(received);
      if (interception !== undefined) return interception;
    }
    return undefined;
  }

  private answer(req: IncomingMessage, res: ServerResponse, received: ReceivedRequest, reply: Reply): void {
    received.status = reply.status;
    const substatus = reply.headers?.['x-ms-substatus'];
    if (substatus !== undefined) received.substatus = Number(substatus);
    this.send(req, res, reply);
  }

  private send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    res.statusCode = reply.status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('date', new Date().toUTCString());
    res.setHeader('x-ms-activity-id', String(req.headers['x-ms-activity-id'] ?? randomUUID()));
    res.setHeader('x-ms-request-charge', String(reply.charge ?? 0));
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    const empty = reply.body === undefined || reply.status === 204 || reply.status === 304;
    res.end(empty ? '' : JSON.stringify(reply.body));
  }
}
