import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { newEventId, type EventEnvelope } from '../../src/core/index.ts';
import { openCosmosConflictFeed, type OpenedConflictFeed } from '../../src/reconciliation/cosmosConflictFeed.ts';
import { reconcileConflicts } from '../../src/reconciliation/reconciler.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { initAccountDatabase, startCosmosAccount, TEST_KEY, type CosmosTestAccount, type Interception, type ReceivedRequest } from '../support/cosmosAccount/index.ts';

// The Cosmos DB adapter of the conflicts feed through the real @azure/cosmos client, against the test
// account. The account has a real conflicts feed (test/account/product.test.ts loses an event in a forced
// failover and reconciles it from there), but pages it only by the page size the client asks for, while
// the service may cut pages shorter by its own limits. So here the test answers the conflicts requests
// itself, shaped as the service's REST API answers them: GET .../colls/events/conflicts pages
// `{ Conflicts, _count }` with a continuation, two conflicts a page, DELETE .../conflicts/{id} in the
// partition named by x-ms-documentdb-partitionkey.

const CONFLICTS = /^\/dbs\/eventlog\/colls\/events\/conflicts(?:\/([^/]+))?$/;
const PAGE = 2;

const lost = (aggregateId: string, sequence: number): EventEnvelope => ({
  id: newEventId(),
  streamId: `Order-${aggregateId}`,
  aggregateType: 'Order',
  aggregateId,
  sequence,
  type: 'Paid',
  schemaVersion: 1,
  data: { sequence },
  metadata: {},
  recordedAt: '2026-01-01T00:00:00.000Z',
  region: 'westeurope',
});

let server: CosmosTestAccount;
let opened: OpenedConflictFeed;
const feed: Array<Record<string, unknown>> = [];
const deletes: Array<{ id: string; partitionKey: unknown }> = [];

const answer = (request: ReceivedRequest): Interception | undefined => {
  const match = CONFLICTS.exec(request.path);
  if (match === null) return undefined;
  if (request.method === 'DELETE') {
    const at = feed.findIndex((c) => c.id === decodeURIComponent(match[1]!));
    if (at < 0) return { respond: { status: 404, body: { code: 'NotFound', message: 'Resource Not Found' } } };
    feed.splice(at, 1);
    deletes.push({ id: decodeURIComponent(match[1]!), partitionKey: JSON.parse(String(request.headers['x-ms-documentdb-partitionkey'])) });
    return { respond: { status: 204 } };
  }
  const from = Number(request.headers['x-ms-continuation'] ?? 0);
  const page = feed.slice(from, from + PAGE);
  const more = from + PAGE < feed.length;
  return {
    respond: {
      status: 200,
      headers: more ? { 'x-ms-continuation': String(from + PAGE) } : ({} as Record<string, string>),
      body: { _rid: 'AAAAAA==', Conflicts: page, _count: page.length },
    },
  };
};

beforeAll(async () => {
  server = await startCosmosAccount();
  await initAccountDatabase(server);
  server.intercept(answer);
  opened = await openCosmosConflictFeed(loadConfig({ EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: server.endpoint, COSMOS_KEY: TEST_KEY }));
});
afterAll(async () => {
  opened?.close();
  await server?.close();
});

describe('the Cosmos DB conflicts feed', () => {
  it('is read page by page and each resolved conflict deleted in its stream\'s partition', async () => {
    const losers = [lost('o-1', 2), lost('o-1', 3), lost('o-2', 1)];
    feed.push(
      ...losers.map((event, i) => ({
        id: `conflict-${i}`,
        _rid: `rid${i}`,
        resourceId: `item${i}`,
        resourceType: 'document',
        operationType: 'create',
        // The service sends the losing item as a string, system properties included.
        content: JSON.stringify({ ...event, _rid: `item${i}`, _etag: '"0"', _ts: 1767225600 }),
        conflict_lsn: 10 + i,
        _ts: 1767225600,
      })),
    );
    const store = new MemoryEventStore();

    const report = await reconcileConflicts({ feed: opened.feed, store, region: 'northeurope' });

    expect(report).toMatchObject({ feed: 'cosmos', examined: 3, reappended: 3, failed: 0 });
    expect(feed).toEqual([]);
    expect(deletes).toEqual([
      { id: 'conflict-0', partitionKey: ['Order-o-1'] },
      { id: 'conflict-1', partitionKey: ['Order-o-1'] },
      { id: 'conflict-2', partitionKey: ['Order-o-2'] },
    ]);
    const appended = await store.readAll(0, 10);
    expect(appended.map((e) => [e.streamId, e.sequence, e.id])).toEqual([
      ['Order-o-1', 1, losers[0]!.id],
      ['Order-o-1', 2, losers[1]!.id],
      ['Order-o-2', 1, losers[2]!.id],
    ]);
    const pagesRead = server.requests.filter((r) => r.method === 'GET' && CONFLICTS.test(r.path));
    expect(pagesRead).toHaveLength(2);
  });
});
