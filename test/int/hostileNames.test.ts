import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/api/routes.ts';
import { explorerRoutes } from '../../src/explorer/routes.ts';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';
import { productRoutes } from '../support/productRoutes.ts';

// Names that an object literal or a plain object lookup answers without anyone having stored them.
// Every one goes into every path parameter of every route the local host serves (the product's table
// plus the explorer), and into query and header names: each must be an ordinary 400 or 404 problem.
const HOSTILE = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype'])];

// Valid values for the parameters a hostile name is not in, so the hostile one is what gets looked up.
const FILLER: Record<string, string> = { aggregateType: 'Order', aggregateId: 'hostile-1', view: 'stream', key: 'Order-hostile-1', name: 'stream', userId: 'u1', postId: 'p1', path: 'index.html', group: 'hostile-group' };
// A consumer group's name is the client's to choose, as a stream id is: `POST consumers/{group}` creates
// a group of any valid name, so those names are tested below as names that must work, not as lookups to refuse.
const CHOSEN_NAMES = new Set(['group']);

const routes = routeTable([...productRoutes.filter((route) => route.name !== 'openApi'), ...explorerRoutes]);
const paramsOf = (route: string): string[] => [...route.matchAll(/\{\*?([A-Za-z0-9]+)\}/g)].map((m) => m[1]!);
const pathOf = (route: string, values: Record<string, string>): string =>
  '/api/' + route.replace(/\{\*?([A-Za-z0-9]+)\}/g, (_whole, name: string) => encodeURIComponent(values[name] ?? FILLER[name] ?? 'x'));

interface Probe {
  label: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
}

const probes: Probe[] = routes.flatMap((route) =>
  paramsOf(route.route).filter((param) => !CHOSEN_NAMES.has(param)).flatMap((param) =>
    HOSTILE.flatMap((name) => {
      const path = pathOf(route.route, { [param]: name });
      const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
      return methods.map((method) => ({ label: `${method} ${route.route} with ${param}=${name}`, method, path }));
    }),
  ),
);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { extraRoutes: explorerRoutes });
  // Something to find under the filler names, so a 404 below is about the hostile name.
  await postJson(server, '/api/streams/Order/hostile-1/events', { events: [{ type: 'Seeded', data: {} }] });
});
afterAll(async () => {
  await server?.close();
});

/** What is wrong with an answer that should be one of `statuses` as a problem document (empty: nothing). */
const problemWith = async (response: Response, statuses: number[]): Promise<string | undefined> => {
  if (!statuses.includes(response.status)) return `status ${response.status}`;
  if (!response.headers.get('content-type')?.includes('application/problem+json')) return `content-type ${response.headers.get('content-type')}`;
  const text = await response.text();
  if (text === '') return undefined; // HEAD
  const problem = JSON.parse(text) as Record<string, unknown>;
  const complete = ['type', 'title', 'detail'].every((field) => typeof problem[field] === 'string') && problem.status === response.status;
  return complete ? undefined : `incomplete problem ${text}`;
};

describe('Object.prototype names from clients', () => {
  it(`are 400 or 404 problems in every path parameter of every route (${probes.length} requests)`, async () => {
    expect(probes.length).toBeGreaterThan(HOSTILE.length * routes.filter((route) => paramsOf(route.route).some((param) => !CHOSEN_NAMES.has(param))).length);
    const wrong: string[] = [];
    for (const probe of probes) {
      const found = await problemWith(await server.request(probe.path, { method: probe.method }), [400, 404]);
      if (found !== undefined) wrong.push(`${probe.label}: ${found}`);
    }
    expect(wrong).toEqual([]);
  });

  it('as consumer group names are groups of their own: unknown until created, then found under that name only', async () => {
    const created: string[] = [];
    for (const name of HOSTILE) {
      const path = `/api/consumers/${encodeURIComponent(name)}`;
      // A name the group-name rule refuses (`__proto__`: no leading underscore) is a 400 problem throughout.
      expect(await problemWith(await server.request(path), [400, 404]), name).toBeUndefined();
      const create = await postJson(server, path, {});
      if (create.status !== 201) {
        expect(await problemWith(create, [400]), name).toBeUndefined();
        continue;
      }
      created.push(name);
      const found = await server.request(path);
      expect(found.status, name).toBe(200);
      expect(((await found.json()) as { group: string }).group, name).toBe(name);
    }
    expect(created.length).toBeGreaterThan(HOSTILE.length / 2);
    const listed = (await (await server.request('/api/consumers')).json()) as { groups: { group: string }[] };
    expect(listed.groups.map((g) => g.group).sort()).toEqual(created.sort());
  });

  it('as query parameter and header names change nothing about the answer', async () => {
    const query = HOSTILE.map((name) => `${encodeURIComponent(name)}=1`).join('&');
    const headers = Object.fromEntries(HOSTILE.filter((name) => /^[A-Za-z_]+$/.test(name)).map((name) => [name, 'x']));
    for (const path of ['/api/health', '/api/streams/Order/hostile-1/events', '/api/views/stream/Order-hostile-1', '/api/projections', '/api/explorer/index.html']) {
      const plain = await server.request(path);
      const hostile = await server.request(`${path}?${query}`, { headers });
      expect(hostile.status, path).toBe(plain.status);
      expect(hostile.status, path).toBe(200);
    }
  });

  it('name streams and views like any other name', async () => {
    for (const name of HOSTILE.filter((n) => /^[A-Za-z]/.test(n))) {
      const appended = await postJson(server, `/api/streams/${name}/${name}/events`, { events: [{ type: 'Named', data: { name } }] });
      expect(appended.status, name).toBe(201);
      const read = await server.request(`/api/streams/${name}/${name}/events`);
      expect(read.status, name).toBe(200);
      expect(((await read.json()) as { events: Array<{ data: unknown }> }).events.map((e) => e.data), name).toEqual([{ name }]);
    }
  });
});
