import { CosmosClient, type CosmosClientOptions } from '@azure/cosmos';
import { z } from 'zod';
import type { CosmosConnection } from '../../../src/stores/cosmos/settings.ts';
import { AccountState } from './accountState.ts';
import { forcedFailover, plannedFailover, rejoin } from './failover.ts';
import { splitPartition } from './metadata.ts';
import type { Reachability, Region } from './regions/region.ts';
import { regionName } from './regions/regionNames.ts';
import type { Interceptor, ReceivedRequest } from './wire/interception.ts';
import { dispatch, type IncomingCall } from './wire/routes.ts';
import { EndpointServer } from './wire/server.ts';

/** The account key: any well-formed key works (the account does not check signatures), this one is fixed. */
export const TEST_KEY = 'dGVzdC1rZXktZm9yLXRoZS1sb29wYmFjay1zZXJ2ZXI=';

export const CosmosAccountOptions = z.object({
  /** Regions in failover priority order, by location name (`westeurope`) or display name. */
  regions: z.array(z.string()).min(1).default(['westeurope']),
  /** The write region of a single-write account; the first region when omitted. */
  writeRegion: z.string().optional(),
  /** Every region accepts writes; conflicts follow each container's conflict resolution policy. */
  multiWrite: z.boolean().default(false),
  /** Replication lag, for every region or per region (ms); 0 applies on the next turn of the event loop. */
  replicationLagMs: z.union([z.number().nonnegative(), z.record(z.string(), z.number().nonnegative())]).default(0),
  /** Physical partitions (partition key ranges, feed ranges) of each new container. */
  physicalPartitions: z.number().int().min(1).max(16).default(2),
  /** The clock of `_ts` and of commit order (ms); `Date.now` unless a test wants to move time itself. */
  clock: z.custom<() => number>((value) => typeof value === 'function').default(() => Date.now),
  /** How many requests the log keeps (the oldest are dropped past it): for long runs outside tests. */
  maxLoggedRequests: z.number().int().positive().optional(),
  /** The account's name in its account document. */
  name: z.string().regex(/^[a-z0-9-]{3,44}$/).default('eventlog-test'),
});
export type CosmosAccountOptions = z.input<typeof CosmosAccountOptions>;

export interface AccountRegion {
  /** Location name: `westeurope`. */
  name: string;
  /** Display name, as the account document lists it: "West Europe". */
  displayName: string;
  /** The region's own endpoint. */
  endpoint: string;
}

export interface CosmosTestAccount {
  /** The account (global) endpoint: what a client is configured with. */
  endpoint: string;
  key: string;
  /** The product's connection settings for this account. */
  connection: CosmosConnection;
  regions: AccountRegion[];
  /** Every request any endpoint received, in order, with the region that served it. */
  readonly requests: ReceivedRequest[];
  /** Adds an interceptor (first added, first asked) for requests to any endpoint; returns its removal. */
  intercept(interceptor: Interceptor): () => void;
  /** A client of this account (disposed by close); `preferredLocations` etc. as the SDK takes them. */
  client(options?: Omit<CosmosClientOptions, 'endpoint' | 'key'>): CosmosClient;
  /** The current write region(s), by location name. */
  writeRegions(): string[];
  setLag(region: string, ms: number): void;
  /** Makes a region unreachable: `unavailable` answers 503 (the default), `refused` closes its port. */
  cut(region: string, how?: Exclude<Reachability, 'up'>): Promise<void>;
  /** Makes it reachable again; after a forced failover away from it, it rejoins (see failover.ts). */
  heal(region: string): Promise<void>;
  /** Drains replication to `to`, then makes it the write region. */
  plannedFailover(to: string): void;
  /** Makes `to` the write region at once; what the old one had not replicated to it is lost until it rejoins. */
  forcedFailover(to: string): void;
  /** Transactions committed elsewhere and not yet applied in this region. */
  pendingReplication(region: string): number;
  /** Splits a partition key range of a container in two; returns the children's ids. */
  splitPartition(database: string, container: string, partitionKeyRangeId: string): string[];
  close(): Promise<void>;
}

/** The region a request to the global endpoint lands in: the write region, or any region still up. */
const globalTarget = (state: AccountState): Region => state.primary.isUp ? state.primary : (state.regions.find((region) => region.isUp) ?? state.primary);

/** Starts an account with its regions' endpoints and its global endpoint on 127.0.0.1. */
export const startCosmosAccount = async (input: CosmosAccountOptions = {}): Promise<CosmosTestAccount> => {
  const options = CosmosAccountOptions.parse(input);
  const names = options.regions.map(regionName);
  const lag = (name: string): number =>
    typeof options.replicationLagMs === 'number' ? options.replicationLagMs : (options.replicationLagMs[name] ?? 0);
  const writeRegion = regionName(options.writeRegion ?? names[0]!.name).name;
  const state = new AccountState({
    name: options.name,
    regions: names,
    writeRegions: options.multiWrite ? names.map((name) => name.name) : [writeRegion],
    multiWrite: options.multiWrite,
    lagMs: Object.fromEntries(names.map((name) => [name.name, lag(name.name)])),
    physicalPartitions: options.physicalPartitions,
    clock: options.clock,
  });
  const requests: ReceivedRequest[] = [];
  const record = (request: ReceivedRequest): void => {
    requests.push(request);
    const excess = requests.length - (options.maxLoggedRequests ?? Number.POSITIVE_INFINITY);
    if (excess > 0) requests.splice(0, excess);
  };
  const interceptors: Interceptor[] = [];
  const endpointOptions = { record, interceptors: () => interceptors, serve: (region: Region, call: IncomingCall) => dispatch(state, region, call) };
  const regional = new Map<Region, EndpointServer>();
  for (const region of state.regions) {
    const server = await EndpointServer.start({ ...endpointOptions, via: 'regional', servingRegion: () => region });
    region.endpoint = server.url;
    regional.set(region, server);
  }
  const global = await EndpointServer.start({ ...endpointOptions, via: 'global', servingRegion: () => globalTarget(state) });
  const clients: CosmosClient[] = [];
  const endpoint = global.url.replace(/\/$/, '');

  return {
    endpoint,
    key: TEST_KEY,
    connection: { endpoint, auth: { kind: 'key', key: TEST_KEY } },
    regions: state.regions.map((region) => ({ name: region.name, displayName: region.displayName, endpoint: region.endpoint })),
    requests,
    intercept: (interceptor) => {
      interceptors.push(interceptor);
      return () => {
        const at = interceptors.indexOf(interceptor);
        if (at >= 0) interceptors.splice(at, 1);
      };
    },
    client: (clientOptions = {}) => {
      const client = new CosmosClient({ ...clientOptions, endpoint, key: TEST_KEY });
      clients.push(client);
      return client;
    },
    writeRegions: () => state.writeRegions.map((region) => region.name),
    setLag: (region, ms) => {
      state.region(region).lagMs = ms;
      state.replication.reschedule();
    },
    cut: async (region, how = 'unavailable') => {
      const target = state.region(region);
      target.reachability = how;
      if (how === 'refused') await regional.get(target)!.refuse();
    },
    heal: async (region) => {
      const target = state.region(region);
      await regional.get(target)!.accept();
      target.reachability = 'up';
      rejoin(state, target);
      state.replication.reschedule();
    },
    plannedFailover: (to) => plannedFailover(state, state.region(to)),
    forcedFailover: (to) => forcedFailover(state, state.region(to)),
    pendingReplication: (region) => state.replication.pending(state.region(region)).length,
    splitPartition: (database, container, partitionKeyRangeId) => splitPartition(state, database, container, partitionKeyRangeId),
    close: async () => {
      for (const client of clients) client.dispose();
      state.replication.close();
      await Promise.all([global, ...regional.values()].map((server) => server.close()));
    },
  };
};
