import type { Container } from '@azure/cosmos';
import {
  ProblemError,
  StoreUnavailableError,
  streamIdOf,
  type AppendRequest,
  type AppendResult,
  type ArchiveRecord,
  type ArchiveRecordCondition,
  type StoredArchiveRecord,
  type StreamArchiveStore,
  type EventEnvelope,
  type EventStore,
  type FeedFilter,
  type FeedPage,
  type FeedSource,
  type FeedStart,
  type ReplayPage,
  type ReplaySource,
  type ReadStreamOptions,
  type RetryPolicy,
  type StreamInfo,
  type StreamRef,
  type StreamSlice,
} from '../../core/index.ts';
import { appendToStream, WRITE_RETRY } from './appendToStream.ts';
import { changeFeedScopeOf, placeOfChangeFeedNow, readChangeFeedPage } from './changeFeedFeed.ts';
import { ChangeFeedReader } from './changeFeedReplay.ts';
import { acquireCosmosClient, WRITE_REGION, type CosmosClientSettings, type SharedCosmosClient } from './client.ts';
import { CONTAINER_IDS } from './containers.ts';
import { deadlineOf, type Within } from './deadline.ts';
import { mapCosmosErrors } from './errors.ts';
import { readEventsById, readStream } from './readStream.ts';
import type { RequestMeter } from './requestMeter.ts';
import type { CosmosConnection } from './settings.ts';
import { cosmosStreamArchive } from './streamArchive.ts';
import { getStreamInfo } from './streamInfo.ts';

/** The account takes writes in several regions, which this log refuses (see assertSingleWriteRegion). */
export class MultipleWriteRegionsError extends ProblemError('multiple-write-regions', 503, 'Event account has several write regions') {
  constructor() {
    super(
      'the Cosmos DB account of the log takes writes in several regions, where two regions could both append the next event of one stream; ' +
        'the log runs on a single-write-region account (turn enableMultipleWriteLocations off, see docs/regions.md)',
    );
  }
}

export interface CosmosEventStoreOptions extends CosmosClientSettings {
  connection: CosmosConnection;
  database: string;
  /** Retries of a write whose outcome was unknown and which turned out not to be stored. */
  writeRetry?: RetryPolicy;
  /** Deadline of each operation, the SDK's own retries included (deadline.ts). */
  operationTimeoutMs?: number;
}

/**
 * The log in Cosmos DB: one logical partition per stream, appends as transactional batches. Cosmos DB
 * has no order across partitions, so this store offers no GlobalLog: consumers use the change feed,
 * which is also the replay source of rebuilds.
 *
 * Two clients of one account: reads for clients and the change feed go to this region's copy first
 * (`preferredLocations`), so a region projects from its own copy and keeps serving when cut off from
 * the write region; everything an append decides on (the tip, a write read back, the ids an
 * Idempotency-Key names, an aggregate loaded for a command) goes to the write region, so a lagging
 * copy can never make a right version look stale.
 */
export class CosmosEventStore implements EventStore, ReplaySource, FeedSource, StreamArchiveStore {
  readonly kind = 'cosmos';
  private readonly clients: SharedCosmosClient[];
  /** This region's copy first. */
  private readonly nearest: Container;
  /** The write region. */
  private readonly writes: Container;
  private readonly writeRetry: RetryPolicy;
  private readonly within: Within;
  /** The change feed of this region's copy, for the follower and rebuilds. */
  private readonly changeFeed: ChangeFeedReader;
  /** Archive records and removals go to the write region, like appends. */
  private readonly archive: StreamArchiveStore;
  private closed = false;

  private constructor(clients: { nearest: SharedCosmosClient; writes: SharedCosmosClient }, database: string, writeRetry: RetryPolicy, within: Within) {
    this.clients = [clients.nearest, clients.writes];
    this.nearest = clients.nearest.client.database(database).container(CONTAINER_IDS.events);
    this.writes = clients.writes.client.database(database).container(CONTAINER_IDS.events);
    this.writeRetry = writeRetry;
    this.within = within;
    this.changeFeed = new ChangeFeedReader(this.nearest);
    this.archive = cosmosStreamArchive(this.writes, within);
  }

  /** Sends nothing yet: the first request reads the account's metadata, so a store can open while Cosmos DB is down. */
  static async open(options: CosmosEventStoreOptions): Promise<CosmosEventStore> {
    const nearest = await acquireCosmosClient(options.connection, options);
    const writes = await acquireCosmosClient(options.connection, { ...options, preferredLocations: WRITE_REGION }).catch((error: unknown) => {
      nearest.release();
      throw error;
    });
    return new CosmosEventStore({ nearest, writes }, options.database, options.writeRetry ?? WRITE_RETRY, deadlineOf(options.operationTimeoutMs));
  }

  /** Requests and request units this process has spent on the account (shared by every store on it). */
  get meter(): RequestMeter {
    return this.clients[0]!.meter;
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    this.assertOpen();
    await this.assertSingleWriteRegion();
    return appendToStream({ container: this.writes, writeRetry: this.writeRetry, within: this.within, now: () => new Date().toISOString() }, request);
  }

  async readStream(stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> {
    this.assertOpen();
    const container = options.forWrite ? this.writes : this.nearest;
    return mapCosmosErrors('read', () => this.within(() => readStream(container, streamIdOf(stream), options)));
  }

  async readEventsById(stream: StreamRef, ids: string[]): Promise<EventEnvelope[]> {
    this.assertOpen();
    return mapCosmosErrors('read', () => this.within(() => readEventsById(this.writes, streamIdOf(stream), ids)));
  }

  async getStreamInfo(stream: StreamRef): Promise<StreamInfo | undefined> {
    this.assertOpen();
    return mapCosmosErrors('read', () => this.within(() => getStreamInfo(this.nearest, streamIdOf(stream), stream)));
  }

  async readFrom(cursor: string | undefined, limit: number): Promise<ReplayPage> {
    this.assertOpen();
    return mapCosmosErrors('change feed read', () => this.within(() => this.changeFeed.read(cursor, limit)));
  }

  readonly feedKind = 'change-feed';

  scopeOf(filter: FeedFilter): string {
    return changeFeedScopeOf(filter);
  }

  /** The feed of outside readers (`GET /api/feed`, consumer groups): this region's copy, like the consumers. */
  async placeOfNow(filter: FeedFilter): Promise<string> {
    this.assertOpen();
    return mapCosmosErrors('change feed read', () => this.within(() => placeOfChangeFeedNow(this.nearest, filter)));
  }

  async readFeed(filter: FeedFilter, start: FeedStart, limit: number): Promise<FeedPage> {
    this.assertOpen();
    return mapCosmosErrors('change feed read', () => this.within(() => readChangeFeedPage(this.nearest, filter, start, limit)));
  }

  readArchiveRecord(stream: StreamRef): Promise<StoredArchiveRecord | undefined> {
    this.assertOpen();
    return this.archive.readArchiveRecord(stream);
  }

  writeArchiveRecord(record: ArchiveRecord, condition: ArchiveRecordCondition): Promise<string | undefined> {
    this.assertOpen();
    return this.archive.writeArchiveRecord(record, condition);
  }

  removeEventsBelow(stream: StreamRef, sequence: number): Promise<void> {
    this.assertOpen();
    return this.archive.removeEventsBelow(stream, sequence);
  }

  listArchiveRecords(afterStreamId: string | undefined, limit: number): Promise<ArchiveRecord[]> {
    this.assertOpen();
    return this.archive.listArchiveRecords(afterStreamId, limit);
  }

  listIdleStreams(aggregateType: string, before: string, afterStreamId: string | undefined, limit: number): Promise<StreamRef[]> {
    this.assertOpen();
    return this.archive.listIdleStreams(aggregateType, before, afterStreamId, limit);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await mapCosmosErrors('ping', () => this.within(() => this.nearest.read()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of this.clients) client.release();
  }

  private singleWrite: Promise<void> | undefined;

  /**
   * Appends are refused on an account with several write regions: each region checks a stream's head
   * against its own copy, so two regions could both commit the next version of one stream
   * (docs/regions.md). Asked once, on the first append.
   */
  private assertSingleWriteRegion(): Promise<void> {
    this.singleWrite ??= mapCosmosErrors('reading the account', () => this.within(() => this.clients[1]!.client.getDatabaseAccount())).then(
      ({ resource }) => {
        if (resource?.enableMultipleWritableLocations) throw new MultipleWriteRegionsError();
      },
      (error: unknown) => {
        this.singleWrite = undefined;
        throw error;
      },
    );
    return this.singleWrite;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('Cosmos DB store is closed');
  }
}
