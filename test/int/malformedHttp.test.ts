import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// HTTP that Node's parser refuses before any route sees it, sent as raw bytes over a loopback socket:
// the local host answers with the status Node chooses and a problem document, then closes.

let server: TestServer;
let port: number;
const stream = '/api/streams/Order/malformed-1/events';
let before: string;

beforeAll(async () => {
  server = await startTestServer();
  port = Number(new URL(server.url).port);
  await postJson(server, stream, { events: [{ type: 'Seeded', data: {} }] });
  before = await (await server.request(stream)).text();
});
afterAll(async () => {
  await server?.close();
});

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
  /** Everything received, for messages. */
  raw: string;
}

/** Sends bytes, collects everything until the server closes the connection (or 5 s pass). */
const exchange = (bytes: string | Buffer): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no close within 5 s; got ${Buffer.concat(chunks).toString('latin1')}`)), 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      // The final response (an interim 100 Continue may come first).
      const final = raw.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      const split = final.indexOf('\r\n\r\n');
      const [head, body] = [final.slice(0, split), final.slice(split + 4)];
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, raw });
    });
    socket.write(bytes);
  });

const expectProblem = (answer: RawAnswer, status: number, type: string) => {
  expect(answer.status, answer.raw).toBe(status);
  expect(answer.headers.get('content-type'), answer.raw).toBe('application/problem+json');
  expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(answer.body));
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ type, title: expect.any(String), status, detail: expect.any(String) });
  return problem;
};

const append = 'POST /api/streams/Order/malformed-1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n';
const body = '{"events":[{"type":"Sneaked","data":{}}]}';

describe('malformed HTTP on the local host', () => {
  it('a bad chunk size is a 400 problem naming the parser error, and nothing is appended', async () => {
    const answer = await exchange(`${append}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`);
    const problem = expectProblem(answer, 400, 'malformed-request');
    expect(problem.detail).toContain('HPE_INVALID_CHUNK_SIZE');
    expect(await (await server.request(stream)).text()).toBe(before);
  });

  it('two Content-Length headers are a 400 problem, and nothing is appended', async () => {
    const answer = await exchange(`${append}Content-Length: ${body.length}\r\nContent-Length: ${body.length + 1}\r\n\r\n${body} `);
    expectProblem(answer, 400, 'malformed-request');
    expect(await (await server.request(stream)).text()).toBe(before);
  });

  it('Content-Length together with chunked encoding is a 400 problem', async () => {
    const answer = await exchange(`${append}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
    expectProblem(answer, 400, 'malformed-request');
  });

  it('control characters in the path are a 400 problem', async () => {
    for (const control of ['\x01', '\x7f', '\t']) {
      const answer = await exchange(`GET /api/he${control}alth HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      expectProblem(answer, 400, 'malformed-request');
    }
  });

  it('an unknown method is a 400 problem', async () => {
    expectProblem(await exchange('FROBNICATE /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n'), 400, 'malformed-request');
  });

  it('a head over 16 KiB is a 431 problem', async () => {
    const answer = await exchange(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    expectProblem(answer, 431, 'headers-too-large');
  });

  it('a header line with no colon is a 400 problem', async () => {
    expectProblem(await exchange('GET /api/health HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n'), 400, 'malformed-request');
  });

  it('an Expect other than 100-continue is a 417 problem, and nothing is appended', async () => {
    const answer = await exchange(`${append}Expect: teapot\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const problem = expectProblem(answer, 417, 'expectation-failed');
    expect(problem.detail).toContain('teapot');
    expect(await (await server.request(stream)).text()).toBe(before);
  });

  it('Expect: 100-continue still works: 100, then the append', async () => {
    const path = '/api/streams/Order/malformed-continue/events';
    const answer = await exchange(
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(answer.raw.startsWith('HTTP/1.1 100 Continue\r\n')).toBe(true);
    expect(answer.status).toBe(201);
  });

  it('the host keeps serving after every refusal', async () => {
    expect((await server.request('/api/health')).status).toBe(200);
    expect(await (await server.request(stream)).text()).toBe(before);
  });
});
