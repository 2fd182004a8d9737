import type { Config } from '../../config.ts';

/** Key auth is for an emulator or a test server only; in Azure the app's identity signs requests. */
export type CosmosAuth = { kind: 'key'; key: string } | { kind: 'identity' };

export interface CosmosConnection {
  endpoint: string;
  auth: CosmosAuth;
}

export interface CosmosSettings {
  /** The globally replicated account of the log (containers events, leases, snapshots). */
  events: CosmosConnection;
  /** The region-local account of views and projection checkpoints; the event account when none is set. */
  views: CosmosConnection;
  database: string;
  /** Azure location name such as `westeurope`, or `local`. */
  region: string;
  /** Where this region reads first: COSMOS_PREFERRED_LOCATIONS, else the region alone. */
  preferredLocations: string[];
}

/** The Cosmos DB part of the configuration; config.ts has already checked that an endpoint is set. */
export const cosmosSettingsFrom = (config: Config): CosmosSettings => {
  const events: CosmosConnection =
    config.COSMOS_ENDPOINT !== undefined && config.COSMOS_KEY !== undefined
      ? { endpoint: config.COSMOS_ENDPOINT, auth: { kind: 'key', key: config.COSMOS_KEY } }
      : config.COSMOS__accountEndpoint !== undefined
        ? { endpoint: config.COSMOS__accountEndpoint, auth: { kind: 'identity' } }
        : missingEndpoint();
  const views: CosmosConnection =
    config.VIEWS_ENDPOINT !== undefined && config.VIEWS_KEY !== undefined
      ? { endpoint: config.VIEWS_ENDPOINT, auth: { kind: 'key', key: config.VIEWS_KEY } }
      : config.VIEWS__accountEndpoint !== undefined
        ? { endpoint: config.VIEWS__accountEndpoint, auth: { kind: 'identity' } }
        : events;
  const preferredLocations = config.COSMOS_PREFERRED_LOCATIONS ?? (config.REGION === 'local' ? [] : [config.REGION]);
  return { events, views, database: config.COSMOS_DATABASE, region: config.REGION, preferredLocations };
};

const missingEndpoint = (): never => {
  throw new Error('EVENT_STORE=cosmos needs COSMOS__accountEndpoint (or COSMOS_ENDPOINT with COSMOS_KEY)');
};
