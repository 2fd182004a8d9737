import type { IndexingPolicy } from '@azure/cosmos';
import { newEventId, type ExpectedVersion, type PreparedEvent, type StreamRef } from '../../../src/core/index.ts';
import { eventsContainer, viewsContainer } from '../../../src/stores/cosmos/containers.ts';
import { CosmosEventStore } from '../../../src/stores/cosmos/cosmosEventStore.ts';
import { openCosmosProjectionStorage } from '../../../src/stores/cosmos/projectionStorage.ts';
import type { RequestTotals } from '../../../src/stores/cosmos/requestMeter.ts';
import { initAccountDatabase, startCosmosAccount } from '../../support/cosmosAccount/index.ts';
import { percentile } from '../measure.ts';
import type { Row, Target } from '../report.ts';

// Request units on Cosmos DB, measured on the Cosmos DB test account (test/support/cosmosAccount), which
// the benchmark starts on loopback: per append of 1, 10 and 100 events (a known expected version, and
// "any"), per change feed page (how the log is read), per view read and per view write. The account
// charges by its own model of Microsoft's published figures (wire/requestCharge.ts: size only), so the
// figures are the test double's, verified on it and not in Azure. Beside each, what Microsoft's
// documentation gives for the same item sizes:
// - https://learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption: by document size,
//   a read of 1 KB costs 1.00 RU and a write 4.95 RU (2 KB: 1.04 and 6.29, ...); a create adds 0.2 RU per
//   indexed term ("5.0 (document size based) + 0.2 × 10 (indexing) = 7 RUs"); a replace deletes and
//   inserts (10.8 RU for 1 KB and two changed terms), a patch adds 0.4 RU per changed property (11.6 RU);
//   "processing five 1-KB documents through a feed consumes approximately the same RUs as reading those
//   five documents individually";
// - https://learn.microsoft.com/azure/cosmos-db/request-units: "A point read for a 1-KB item is
//   equivalent to one Request Unit (RU)";
// - https://learn.microsoft.com/azure/cosmos-db/optimize-cost-reads-writes: point reads of 1 KB and
//   100 KB cost 1 and 10 RU.

export interface CosmosCost {
  rows: Row[];
  notes: string[];
  targets: Target[];
}

/** Document size (KB) → RU of a read and of a write, from the understand-request-unit-consumption table. */
const DOCUMENTED_BY_SIZE: ReadonlyArray<readonly [kb: number, read: number, write: number]> = [
  [1, 1.0, 4.95],
  [2, 1.04, 6.29],
  [4, 1.14, 6.67],
  [8, 1.33, 7.04],
  [16, 1.67, 9.52],
  [32, 2.19, 11.23],
  [64, 4.76, 22.67],
  [128, 9.95, 48.19],
];
const RU_PER_INDEXED_TERM = 0.2;
const PATCH_RU_PER_PROPERTY = 0.4;

/** The table's figure for a document of `bytes`, on a straight line between its rows (documents under 1 KB cost what 1 KB does). */
const bySize = (bytes: number, column: 1 | 2): number => {
  const kb = Math.max(1, bytes / 1024);
  const upper = DOCUMENTED_BY_SIZE.findIndex(([size]) => size >= kb);
  if (upper <= 0) return DOCUMENTED_BY_SIZE[upper === 0 ? 0 : DOCUMENTED_BY_SIZE.length - 1]![column];
  const [lowKb, ...low] = DOCUMENTED_BY_SIZE[upper - 1]!;
  const [highKb, ...high] = DOCUMENTED_BY_SIZE[upper]!;
  return low[column - 1]! + ((kb - lowKb) / (highKb - lowKb)) * (high[column - 1]! - low[column - 1]!);
};
const documentedRead = (bytes: number): number => bySize(bytes, 1);
const documentedCreate = (bytes: number, indexedTerms: number): number => bySize(bytes, 2) + RU_PER_INDEXED_TERM * indexedTerms;
/** A patch deletes and inserts the document, and re-indexes the properties it changes (the page's patch example). */
const documentedPatch = (bytes: number, changed: number): number => 2 * bySize(bytes, 2) + 2 * RU_PER_INDEXED_TERM * changed + PATCH_RU_PER_PROPERTY * changed;
const documentedReplace = (bytes: number, changedTerms: number): number => 2 * bySize(bytes, 2) + 2 * RU_PER_INDEXED_TERM * changedTerms;

const SYSTEM_PROPERTIES = new Set(['_rid', '_self', '_etag', '_attachments', '_ts', '_lsn']);
/** Indexed terms of a stored document: its scalar values outside the paths the container's indexing policy excludes. */
const indexedTerms = (document: Record<string, unknown>, policy: IndexingPolicy | undefined): number => {
  const excluded = (policy?.excludedPaths ?? []).map((p) => p.path.replace(/\/\*$/, '/'));
  const count = (value: unknown, path: string): number => {
    if (excluded.some((prefix) => path.startsWith(prefix))) return 0;
    if (value === null || typeof value !== 'object') return 1;
    return Object.entries(value).reduce((total, [key, child]) => total + (SYSTEM_PROPERTIES.has(key) ? 0 : count(child, `${path}${key}/`)), 0);
  };
  return count(document, '/');
};

const sizeOf = (document: unknown): number => Buffer.byteLength(JSON.stringify(document));
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** A business event of a typical size (about 0.5 KB stored). */
const sampleEvent = (n: number): PreparedEvent => ({
  id: newEventId(),
  type: 'OrderPlaced',
  schemaVersion: 1,
  data: { orderId: `o-${n}`, customerId: `c-${n % 97}`, lines: [{ sku: 'SKU-1042', quantity: 2, price: 19.9 }, { sku: 'SKU-7', quantity: 1, price: 4.5 }], currency: 'EUR', total: 44.3 },
  metadata: { correlationId: newEventId() },
});

/** Operations in the order an append or a read sends them. */
const SEQUENCE = ['read', 'query', 'changeFeed', 'batch', 'bulk', 'create', 'replace', 'upsert', 'patch', 'delete', 'queryPlan'];
/** The requests of a measured operation by what they did, metadata (the SDK's caches) left out: "read + batch". */
const requestsOf = (spent: RequestTotals): string[] =>
  spent.byOperation
    .filter((e) => e.operation !== 'metadata')
    .sort((a, b) => SEQUENCE.indexOf(a.operation) - SEQUENCE.indexOf(b.operation))
    .flatMap((e) => new Array<string>(e.requests).fill(e.operation));

interface Measurement {
  ru: number[];
  requests: string[][];
  latencies: number[];
  seconds: number;
}

const measure = async (repeat: number, spentOf: () => RequestTotals, operation: (i: number) => Promise<unknown>, since: (before: RequestTotals) => RequestTotals): Promise<Measurement> => {
  const result: Measurement = { ru: [], requests: [], latencies: [], seconds: 0 };
  for (let i = 0; i < repeat; i++) {
    const before = spentOf();
    const started = performance.now();
    await operation(i);
    const ms = performance.now() - started;
    const spent = since(before);
    result.latencies.push(ms);
    result.seconds += ms / 1000;
    result.ru.push(spent.requestCharge);
    result.requests.push(requestsOf(spent));
  }
  return result;
};

/** The same requests every time, as one line ("read + batch"), or each distinct list with how often it happened. */
const requestLine = (requests: string[][]): string => {
  const counts = new Map<string, number>();
  for (const list of requests) counts.set(list.join(' + '), (counts.get(list.join(' + ')) ?? 0) + 1);
  return counts.size === 1 ? [...counts.keys()][0]! : [...counts].map(([line, times]) => `${line} (${times}×)`).join('; ');
};

export const cosmosCost = async (options: { quick: boolean }): Promise<CosmosCost> => {
  const repeat = options.quick ? 5 : 20;
  const account = await startCosmosAccount({ maxLoggedRequests: 1_000 });
  await initAccountDatabase(account);
  const store = await CosmosEventStore.open({ connection: account.connection, database: 'eventlog', region: 'local' });
  const storage = await openCosmosProjectionStorage({ connection: account.connection, database: 'eventlog', region: 'local' });
  const events = account.client().database('eventlog').container('events');
  const rows: Row[] = [];
  const appendFigures = new Map<string, { requests: string; ru: number }>();
  try {
    // Metadata the SDK reads once per client (account, container, ranges) is not what an append costs.
    await store.ping();
    let counter = 0;
    const append = async (stream: StreamRef, expectedVersion: ExpectedVersion, count: number) =>
      store.append({ stream, expectedVersion, events: Array.from({ length: count }, () => sampleEvent(++counter)), region: 'bench' });
    await append({ aggregateType: 'Order', aggregateId: 'warm-up' }, 'no_stream', 1);

    // The stored sizes the documented figures are computed for.
    const probe = { aggregateType: 'Order', aggregateId: 'probe' };
    const probed = await append(probe, 'no_stream', 1);
    const { resource: storedEvent } = await events.item(probed.eventIds[0]!, `Order-probe`).read<Record<string, unknown>>();
    const { resource: storedHead } = await events.item('$head', `Order-probe`).read<Record<string, unknown>>();
    const eventBytes = sizeOf(storedEvent);
    const eventTerms = indexedTerms(storedEvent!, eventsContainer.indexingPolicy);
    const headBytes = sizeOf(storedHead);
    const createEvent = documentedCreate(eventBytes, eventTerms);
    const headPatch = documentedPatch(headBytes, 2); // version and updatedAt
    const headRead = documentedRead(headBytes);

    for (const count of [1, 10, 100])
      for (const mode of ['known', 'any'] as const) {
        // One stream per append series, appended to at its version (a Patch of the head), as a command does.
        const stream = { aggregateType: 'Order', aggregateId: `ru-${count}-${mode}` };
        let version = (await append(stream, 'no_stream', 1)).version;
        const measured = await measure(
          repeat,
          () => store.meter.snapshot(),
          async () => (version = (await append(stream, mode === 'known' ? version : 'any', count)).version),
          (before) => store.meter.since(before),
        );
        // A known version of up to 99 events: one batch with the head's Patch; "any" reads the head first;
        // 100 events leave no room for the head: the head is read first and moved after the batch.
        const documented = count * createEvent + headPatch + (mode === 'any' || count === 100 ? headRead : 0);
        const documentedHow =
          `${count} × create of ${eventBytes} B with ${eventTerms} indexed terms (${round(createEvent)} RU) + the head's patch (${round(headPatch)} RU)` +
          (mode === 'any' || count === 100 ? ` + its point read (${round(headRead)} RU)` : '');
        const ru = mean(measured.ru);
        const requests = requestLine(measured.requests);
        appendFigures.set(`${count}-${mode}`, { requests, ru });
        rows.push({
          scenario: `cosmos-ru: append of ${count} event${count === 1 ? '' : 's'}, ${mode === 'known' ? 'known version' : '"any"'}`,
          eventsPerSec: (count * repeat) / measured.seconds,
          p50Ms: percentile(measured.latencies, 50),
          p99Ms: percentile(measured.latencies, 99),
          baseline: null,
          ratio: null,
          cosmos: { requestUnits: round(ru), perEvent: round(ru / count, 3), requests, documentedRu: round(documented), documented: documentedHow },
        });
      }

    // The log read as the follower and rebuilds read it: change feed pages, from the beginning.
    const pageSize = 100;
    const feed = { ru: [] as number[], events: 0, pages: 0, requests: [] as string[][], latencies: [] as number[], seconds: 0 };
    let cursor: string | undefined;
    for (let page = 0; page < 1_000; page++) {
      const before = store.meter.snapshot();
      const started = performance.now();
      const read = await store.readFrom(cursor, pageSize);
      const ms = performance.now() - started;
      cursor = read.cursor;
      if (read.caughtUp) break;
      const spent = store.meter.since(before);
      feed.ru.push(spent.requestCharge);
      feed.events += read.events.length;
      feed.pages++;
      feed.requests.push(requestsOf(spent));
      feed.latencies.push(ms);
      feed.seconds += ms / 1000;
    }
    const perPage = feed.events / Math.max(1, feed.pages);
    rows.push({
      scenario: `cosmos-ru: change feed page of up to ${pageSize} events (the log from the beginning)`,
      eventsPerSec: feed.events / Math.max(feed.seconds, 1e-9),
      p50Ms: percentile(feed.latencies, 50),
      p99Ms: percentile(feed.latencies, 99),
      baseline: null,
      ratio: null,
      cosmos: {
        requestUnits: round(mean(feed.ru)),
        perEvent: round(feed.ru.reduce((a, b) => a + b, 0) / Math.max(1, feed.events), 3),
        requests: `${round(mean(feed.requests.map((r) => r.length)), 1)} changeFeed per page (one per feed range until one has news), ${round(perPage, 1)} events per page`,
        documentedRu: round(perPage * documentedRead(eventBytes)),
        documented: `${round(perPage, 1)} documents of ${eventBytes} B read through the feed ≈ read one by one (${round(documentedRead(eventBytes))} RU each)`,
      },
    });

    // A view document of the built-in `stream` projection, read by id and replaced, as the runtime does.
    const viewDocument = (n: number) => ({
      view: 'stream@1',
      key: 'Order-ru',
      data: { streamId: 'Order-ru', aggregateType: 'Order', aggregateId: 'ru', version: n, eventCount: n, lastEventType: 'OrderPlaced', lastRecordedAt: new Date().toISOString() },
      positions: { 'Order-ru': n },
      updatedAt: new Date().toISOString(),
    });
    let etag = (await storage.views.put(viewDocument(1), { absent: true }))!;
    const reads = await measure(repeat, () => storage.meter.snapshot(), () => storage.views.get('stream@1', 'Order-ru'), (before) => storage.meter.since(before));
    const storedView = await account.client().database('eventlog').container('views').items.query<Record<string, unknown>>({ query: 'SELECT * FROM c WHERE c.key = "Order-ru"' }).fetchAll();
    const viewBytes = sizeOf(storedView.resources[0]);
    const viewTerms = indexedTerms(storedView.resources[0]!, viewsContainer.indexingPolicy);
    rows.push({
      scenario: 'cosmos-ru: view read (point read of a `stream` view document)',
      eventsPerSec: repeat / reads.seconds,
      p50Ms: percentile(reads.latencies, 50),
      p99Ms: percentile(reads.latencies, 99),
      baseline: null,
      ratio: null,
      cosmos: { requestUnits: round(mean(reads.ru)), perEvent: null, requests: requestLine(reads.requests), documentedRu: round(documentedRead(viewBytes)), documented: `point read of ${viewBytes} B` },
    });
    let n = 1;
    const writes = await measure(
      repeat,
      () => storage.meter.snapshot(),
      async () => (etag = (await storage.views.put(viewDocument(++n), { etag }))!),
      (before) => storage.meter.since(before),
    );
    rows.push({
      scenario: 'cosmos-ru: view write (replace of a `stream` view document at its etag)',
      eventsPerSec: repeat / writes.seconds,
      p50Ms: percentile(writes.latencies, 50),
      p99Ms: percentile(writes.latencies, 99),
      baseline: null,
      ratio: null,
      cosmos: {
        requestUnits: round(mean(writes.ru)),
        perEvent: null,
        requests: requestLine(writes.requests),
        documentedRu: round(documentedReplace(viewBytes, 1)),
        documented: `replace of ${viewBytes} B (delete and insert) with 1 changed indexed term of ${viewTerms}`,
      },
    });
  } finally {
    await storage.close();
    await store.close();
    await account.close();
  }

  const oneRequest = (['1-known', '10-known'] as const).every((key) => appendFigures.get(key)?.requests === 'batch');
  const headRead = (['1-any', '10-any'] as const).every((key) => appendFigures.get(key)?.requests === 'read + batch');
  const figure = (key: string) => `${round(appendFigures.get(key)?.ru ?? NaN, 1)}`;
  return {
    rows,
    targets: [
      {
        claim: 'RU per append reported for 1, 10 and 100 events; one request per append with a known version, one point read for the head otherwise',
        measured:
          `RU per append (known version / "any"): 1 event ${figure('1-known')} / ${figure('1-any')}, 10 events ${figure('10-known')} / ${figure('10-any')}, 100 events ${figure('100-known')} / ${figure('100-any')}; ` +
          `requests: known version \`${appendFigures.get('1-known')?.requests}\`, "any" \`${appendFigures.get('1-any')?.requests}\`, 100 events \`${appendFigures.get('100-known')?.requests}\` (a batch holds 100 operations: no room for the head)`,
        met: oneRequest && headRead,
      },
    ],
    notes: [
      'cosmos-ru: request units on the Cosmos DB test account, which the benchmark starts on loopback (`test/support/cosmosAccount`): the figures are the test double’s model of Microsoft’s published figures (size only: 1 RU per point read and 5 RU per write of up to 1 KB, queries and feed pages 2 RU plus the bytes returned at the point-read rate; `wire/requestCharge.ts`), verified on the double and not in Azure. events/s and latencies there are of the double on loopback, not of Azure. “documented” is what Microsoft’s pages give for the same stored sizes: https://learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption (by size, a 1 KB read 1.00 RU and write 4.95 RU, plus 0.2 RU per indexed term on a create; a replace deletes and inserts; a patch adds 0.4 RU per changed property; a feed costs about what reading its documents one by one would), https://learn.microsoft.com/azure/cosmos-db/request-units (a point read of 1 KB is 1 RU) and https://learn.microsoft.com/azure/cosmos-db/optimize-cost-reads-writes. Indexed terms are counted from the containers’ indexing policies (payloads are not indexed). The double charges less than the documented figures for writes (no indexing term, a patch as a write) and much less for feed pages; plan capacity from the documented column, and measure on a real account with `npm run test:cosmos`.',
    ],
  };
};
