import { CosmosClient, type CosmosClientOptions, type PluginConfig } from '@azure/cosmos';
import { packageInfo } from '../../packageInfo.ts';
import { abortAtDeadline } from './deadline.ts';
import { skipQueryPlansOfSinglePartitionQueries } from './queryPlanShortcut.ts';
import { RequestMeter } from './requestMeter.ts';
import type { CosmosConnection } from './settings.ts';

export interface CosmosClientSettings {
  /** Azure location name (`westeurope`), or `local` for no preference. */
  region: string;
  /**
   * Where reads go first (the change feed included): this region's copy, then the others. Default: the
   * region alone. Empty: no preference, so reads go to the account's first region, the write region.
   */
  preferredLocations?: readonly string[];
  /** Client-side timeout of one request; a write that times out is resolved by reading back. */
  requestTimeoutMs?: number;
  /** The SDK retries 429s itself, waiting what the service asks (`x-ms-retry-after-ms`), within these bounds. */
  throttleRetries?: { maxAttempts: number; maxWaitSeconds: number };
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/**
 * How often a client re-reads the account's regions (the SDK's default is five minutes). A write sent
 * to a write region that is down gets a 503 the SDK does not redirect, so after a forced failover a
 * client writes to the new write region only once it has re-read the account: within this interval.
 * A read of the account document is a metadata request, not charged in request units.
 */
export const ENDPOINT_REFRESH_MS = 5_000;
// Bounded so a throttled HTTP request answers 503 + Retry-After within seconds instead of hanging.
export const DEFAULT_THROTTLE_RETRIES = { maxAttempts: 5, maxWaitSeconds: 5 };

/**
 * The SDK matches preferred locations to the account's regions ignoring case and spaces, so the
 * Azure location name in REGION (`westeurope`) selects "West Europe" as it is. `local` prefers nothing.
 */
export const preferredLocationsFor = (region: string): string[] => (region === 'local' ? [] : [region]);

/**
 * A client with no preferred region sends reads to "the first region in the Azure Cosmos DB account
 * region list", which lists the write region first
 * (https://learn.microsoft.com/azure/cosmos-db/nosql/troubleshoot-sdk-availability): what the write
 * path reads (the stream's tip, a write read back, the ids an Idempotency-Key names) must see the
 * write region, never a replica that lags.
 */
export const WRITE_REGION: readonly string[] = [];

export interface SharedCosmosClient {
  client: CosmosClient;
  meter: RequestMeter;
  /** Gives the client back; the last holder disposes it. */
  release(): void;
}

/**
 * The SDK reads `plugins` from its options (per-request hooks) though its public typings omit it;
 * test/int/cosmosWire.test.ts fails if a release stops honouring it.
 */
interface HiddenPluginOption {
  plugins: PluginConfig[];
}

interface Entry {
  opened: Promise<{ client: CosmosClient; meter: RequestMeter }>;
  holders: number;
}

const clients = new Map<string, Entry>();
/** One meter per account: every client of the process on it counts into the same totals. */
const meters = new Map<string, RequestMeter>();

const meterOf = (connection: CosmosConnection): RequestMeter => {
  const key = JSON.stringify([connection.endpoint, connection.auth]);
  let meter = meters.get(key);
  if (meter === undefined) meters.set(key, (meter = new RequestMeter()));
  return meter;
};

const createClient = async (connection: CosmosConnection, settings: CosmosClientSettings) => {
  const meter = meterOf(connection);
  const throttle = settings.throttleRetries ?? DEFAULT_THROTTLE_RETRIES;
  const auth: Pick<CosmosClientOptions, 'key' | 'aadCredentials'> =
    connection.auth.kind === 'key'
      ? { key: connection.auth.key }
      : { aadCredentials: new (await import('@azure/identity')).DefaultAzureCredential() };
  const options: CosmosClientOptions & HiddenPluginOption = {
    endpoint: connection.endpoint,
    ...auth,
    userAgentSuffix: `${packageInfo.name}/${packageInfo.version}`,
    connectionPolicy: {
      preferredLocations: [...(settings.preferredLocations ?? preferredLocationsFor(settings.region))],
      requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      endpointRefreshRateInMs: ENDPOINT_REFRESH_MS,
      retryOptions: { maxRetryAttemptCount: throttle.maxAttempts, maxWaitTimeInSeconds: throttle.maxWaitSeconds },
    },
    // Order matters: the shortcut answers before the meter, so the meter counts what is really sent.
    plugins: [abortAtDeadline, skipQueryPlansOfSinglePartitionQueries, meter.plugin],
  };
  return { client: new CosmosClient(options), meter };
};

/** One client per account and settings in the process: the SDK pools connections and caches metadata per client. */
export const acquireCosmosClient = async (connection: CosmosConnection, settings: CosmosClientSettings): Promise<SharedCosmosClient> => {
  const key = JSON.stringify([connection.endpoint, connection.auth, settings.preferredLocations ?? preferredLocationsFor(settings.region), settings.requestTimeoutMs, settings.throttleRetries]);
  let entry = clients.get(key);
  if (entry === undefined) {
    entry = { opened: createClient(connection, settings), holders: 0 };
    clients.set(key, entry);
  }
  const held = entry;
  held.holders++;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    if (--held.holders > 0) return;
    if (clients.get(key) === held) clients.delete(key);
    held.opened.then(({ client }) => client.dispose(), () => {});
  };
  try {
    const { client, meter } = await held.opened;
    return { client, meter, release };
  } catch (error) {
    release();
    throw error;
  }
};
