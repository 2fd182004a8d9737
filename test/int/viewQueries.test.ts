import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineProjection, defineView } from '../../src/core/index.ts';
import { viewsContainer } from '../../src/stores/cosmos/containers.ts';
import { onlyProjections, postJson, startTestServer, type TestServer } from '../support/http.ts';

// `GET /api/views/{view}`: the same cases on the embedded SQLite store and on the Cosmos DB test account
// (test/support/cosmosAccount), so both stores answer one query with the same documents.

/** One document per ticket, made from its last event's data; `deleted: true` documents count as absent. */
const ticketsProjection = defineProjection({
  name: 'tickets',
  version: 1,
  eventTypes: ['Filed'],
  views: [
    defineView({
      name: 'ticket',
      keysOf: (event) => [event.aggregateId],
      fields: { status: 'string', votes: 'number', filedAt: 'date', urgent: 'boolean' },
      reduce: (_current, event) => ({ ...event.data }),
    }),
  ],
});

interface ListPage {
  view: string;
  region: string;
  documents: Array<{ key: string }>;
  continuationToken?: string;
}
interface Problem {
  errors: Array<{ path: string; message: string }>;
}
const bodyOf = async <T>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

const TICKETS: Array<[string, Record<string, unknown>]> = [
  ['t1', { status: 'open', votes: 5, filedAt: '2025-01-01T00:00:00.000Z', urgent: true }],
  ['t2', { status: 'closed', votes: 1, filedAt: '2025-02-01T00:00:00.000Z', urgent: false }],
  ['t3', { status: 'open', votes: 3, filedAt: '2025-03-01T00:00:00.000Z', urgent: false }],
  ['t4', { status: 'open', votes: 8, filedAt: '2025-04-01T00:00:00.000Z', urgent: true }],
  ['t5', { status: 'open, pending', votes: 2, filedAt: '2025-05-01T00:00:00.000Z', urgent: false }],
  // Holds text where the view declares a number: left out of votes filters and of orderBy=votes.
  ['t6', { status: 'open', votes: 'many', filedAt: '2025-06-01T00:00:00.000Z', urgent: false }],
  ['t7', { status: 'open', votes: 9, filedAt: '2025-07-01T00:00:00.000Z', urgent: true, deleted: true }],
];

describe.each(['sqlite', 'cosmos'])('view queries on the %s store', (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ EVENT_STORE: store }, { modules: onlyProjections(ticketsProjection) });
    expect((await bodyOf<{ store: string }>(server.request('/api/health'))).store).toBe(store);
    for (const [id, data] of TICKETS) expect((await postJson(server, `/api/streams/Ticket/${id}/events`, { events: [{ type: 'Filed', data }] })).status).toBe(201);
    // The projection applies the appends in the background: wait (bounded) until every document is there.
    for (let tries = 0; tries < 200; tries++) {
      const page = await bodyOf<ListPage>(server.request('/api/views/ticket?limit=100'));
      if (page.documents.length === TICKETS.length - 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  const keys = async (query: string): Promise<string[]> => {
    const response = await server.request(`/api/views/ticket?${query}`);
    expect(response.status, query).toBe(200);
    const body = await bodyOf<ListPage>(response);
    expect(body).toMatchObject({ view: 'ticket', region: expect.any(String) });
    return body.documents.map((d) => d.key);
  };

  it('lists the documents by key, leaving deleted ones out', async () => {
    expect(await keys('')).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
  });

  it('filters on equality of strings and booleans, and a quoted value may hold a comma', async () => {
    expect(await keys('where=status:open')).toEqual(['t1', 't3', 't4', 't6']);
    expect(await keys('where=urgent:true')).toEqual(['t1', 't4']);
    expect(await keys(`where=${encodeURIComponent('status:"open, pending"')}`)).toEqual(['t5']);
  });

  it('filters on ranges of numbers and dates, conditions joined with commas', async () => {
    expect(await keys(`where=${encodeURIComponent('votes>=3')}`)).toEqual(['t1', 't3', 't4']);
    expect(await keys(`where=${encodeURIComponent('votes<3')}`)).toEqual(['t2', 't5']);
    expect(await keys(`where=${encodeURIComponent('filedAt>2025-02-01T00:00:00Z,filedAt<=2025-04-01T00:00:00Z')}`)).toEqual(['t3', 't4']);
    expect(await keys(`where=${encodeURIComponent('status:open,votes>4')}`)).toEqual(['t1', 't4']);
  });

  it('orders by one field either way, leaving out documents without a value of its type', async () => {
    expect(await keys('orderBy=votes')).toEqual(['t2', 't5', 't3', 't1', 't4']);
    expect(await keys('orderBy=filedAt:desc')).toEqual(['t6', 't5', 't4', 't3', 't2', 't1']);
  });

  it('pages with a continuation token until the last page, which has none', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const response = await server.request(`/api/views/ticket?orderBy=votes:desc&limit=2${token === undefined ? '' : `&continuationToken=${encodeURIComponent(token)}`}`);
      const body = await bodyOf<ListPage>(response);
      seen.push(...body.documents.map((d) => d.key));
      token = body.continuationToken;
      if (token === undefined) break;
    }
    expect(seen).toEqual(['t4', 't1', 't3', 't5', 't2']);
    expect(token).toBeUndefined();
  });

  it('answers 400 naming the field for an unknown field, bad syntax, a range on a string, a bad value and a token of another query', async () => {
    const first = await bodyOf<ListPage>(server.request('/api/views/ticket?limit=1'));
    const cases: Array<[string, string]> = [
      ['where=owner:me', 'query.where.owner'],
      ['where=status=open', 'query.where'],
      [`where=${encodeURIComponent('status>open')}`, 'query.where.status'],
      ['where=votes:lots', 'query.where.votes'],
      ['where=filedAt:yesterday', 'query.where.filedAt'],
      ['where=urgent:yes', 'query.where.urgent'],
      ['orderBy=owner', 'query.orderBy.owner'],
      ['orderBy=votes:sideways', 'query.orderBy'],
      ['limit=0', 'query.limit'],
      [`where=status:open&continuationToken=${encodeURIComponent(first.continuationToken!)}`, 'query.continuationToken'],
    ];
    for (const [query, field] of cases) {
      const response = await server.request(`/api/views/ticket?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = await bodyOf<Problem>(response);
      expect(body.errors.map((e) => e.path), query).toContain(field);
      expect(body.errors.map((e) => e.message).join(' '), query).not.toBe('');
    }
  });

  it.runIf(store === 'cosmos')('on Cosmos DB, queries an indexed copy of the declared fields, since the views container does not index /data', async () => {
    expect(viewsContainer.indexingPolicy?.excludedPaths).toContainEqual({ path: '/data/*' });
    const container = server.cosmos!.views.client().database('eventlog').container('views');
    const { resources } = await container.items.query({ query: "SELECT * FROM c WHERE c.kind = 'view' AND c.key = 't6'" }).fetchAll();
    expect(resources).toHaveLength(1);
    expect(resources[0].queryable).toEqual({ status: 'open', votes: 'many', filedAt: '2025-06-01T00:00:00.000Z', urgent: false });
    expect(resources[0].data).toMatchObject({ status: 'open' });
  });

  it('answers 404 for a view no projection declares', async () => {
    expect((await server.request('/api/views/nosuchview')).status).toBe(404);
  });
});
