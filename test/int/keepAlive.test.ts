import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/http.ts';

// A keep-alive client that pauses between requests, as Node's global agent and fetch do for up to
// about five seconds, must find its socket still open: a host that closes idle sockets first makes
// the next request on one fail with ECONNRESET.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const get = (agent: Agent, path: string): Promise<{ status: number; reusedSocket: boolean }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    const req = request({ host: hostname, port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });

describe('the local host keeps idle keep-alive connections', () => {
  it('longer than clients pause between requests: the request after a 6 s pause reuses the socket', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(agent, '/api/health')).toEqual({ status: 200, reusedSocket: false });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(await get(agent, '/api/health')).toEqual({ status: 200, reusedSocket: true });
    } finally {
      agent.destroy();
    }
  }, 15_000);
});
