import type { Container } from '@azure/cosmos';
import {
  StoreUnavailableError,
  streamIdOf,
  type AppendRequest,
  type AppendResult,
  type EventEnvelope,
  type EventStore,
  type ReplayPage,
  type ReplaySource,
  type ReadStreamOptions,
  type RetryPolicy,
  type StreamInfo,
  type StreamRef,
  type StreamSlice,
} from '../../core/index.ts';
import { appendToStream, WRITE_RETRY } from './appendToStream.ts';
import { readChangeFeed } from './changeFeedReplay.ts';
import { acquireCosmosClient, type CosmosClientSettings, type SharedCosmosClient } from './client.ts';
import { CONTAINER_IDS } from './containers.ts';
import { deadlineOf, type Within } from './deadline.ts';
import { mapCosmosErrors } from './errors.ts';
import { readEventsById, readStream } from './readStream.ts';
import type { RequestMeter } from './requestMeter.ts';
import type { CosmosConnection } from './settings.ts';
import { getStreamInfo } from './streamInfo.ts';

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
 */
export class CosmosEventStore implements EventStore, ReplaySource {
  readonly kind = 'cosmos';
  private readonly shared: SharedCosmosClient;
  private readonly container: Container;
  private readonly writeRetry: RetryPolicy;
  private readonly within: Within;
  private closed = false;

  private constructor(shared: SharedCosmosClient, container: Container, writeRetry: RetryPolicy, within: Within) {
    this.shared = shared;
    this.container = container;
    this.writeRetry = writeRetry;
    this.within = within;
  }

  /** Sends nothing yet: the first request reads the account's metadata, so a store can open while Cosmos DB is down. */
  static async open(options: CosmosEventStoreOptions): Promise<CosmosEventStore> {
    const shared = await acquireCosmosClient(options.connection, options);
    const container = shared.client.database(options.database).container(CONTAINER_IDS.events);
    return new CosmosEventStore(shared, container, options.writeRetry ?? WRITE_RETRY, deadlineOf(options.operationTimeoutMs));
  }

  /** Requests and request units this process's client has spent (shared by every store on that client). */
  get meter(): RequestMeter {
    return this.shared.meter;
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    this.assertOpen();
    return appendToStream({ container: this.container, writeRetry: this.writeRetry, within: this.within, now: () => new Date().toISOString() }, request);
  }

  async readStream(stream: StreamRef, options: ReadStreamOptions): Promise<StreamSlice | undefined> {
    this.assertOpen();
    return mapCosmosErrors('read', () => this.within(() => readStream(this.container, streamIdOf(stream), options)));
  }

  async readEventsById(stream: StreamRef, ids: string[]): Promise<EventEnvelope[]> {
    this.assertOpen();
    return mapCosmosErrors('read', () => this.within(() => readEventsById(this.container, streamIdOf(stream), ids)));
  }

  async getStreamInfo(stream: StreamRef): Promise<StreamInfo | undefined> {
    this.assertOpen();
    return mapCosmosErrors('read', () => this.within(() => getStreamInfo(this.container, streamIdOf(stream), stream)));
  }

  async readFrom(cursor: string | undefined, limit: number): Promise<ReplayPage> {
    this.assertOpen();
    return mapCosmosErrors('change feed read', () => this.within(() => readChangeFeed(this.container, cursor, limit)));
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await mapCosmosErrors('ping', () => this.within(() => this.container.read()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shared.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('Cosmos DB store is closed');
  }
}
