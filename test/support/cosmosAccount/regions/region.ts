import type { JsonObject } from '../model/json.ts';
import { Replica } from '../model/replica.ts';
import type { RegionName } from './regionNames.ts';

/**
 * How clients reach a region: `up`; `unavailable`, its gateway answers 503 Service Unavailable; or
 * `refused`, nothing listens on its port (connection refused). Either way replication to and from a
 * region that is not up is held until it is healed.
 */
export type Reachability = 'up' | 'unavailable' | 'refused';

/** One item's change in a committed transaction, as it is shipped to the other regions. */
export interface ItemChange {
  key: string;
  id: string;
  partitionKey: string;
  epk: string;
  /** The new version with its system properties, or null for a delete. */
  body: JsonObject | null;
  /** The version the writing region replaced (its etag), or null for a create: how conflicts are detected. */
  previousEtag: string | null;
  operationType: 'create' | 'replace' | 'delete';
}

/** A committed transaction, the unit of asynchronous replication. */
export interface ReplicationRecord {
  database: string;
  container: string;
  containerRid: string;
  /** The LSN the writing region issued for it. */
  lsn: number;
  /** The region that committed it. */
  origin: string;
  /** When it committed (milliseconds): orders concurrent writes of several write regions. */
  committedAt: number;
  changes: ItemChange[];
}

export class Region implements RegionName {
  readonly name: string;
  readonly displayName: string;
  /** Position in the account's region list (also the region's id in session token vectors). */
  readonly index: number;
  replica = new Replica();
  lagMs: number;
  reachability: Reachability = 'up';
  /** Set by a forced failover away from this region: its writes the new timeline never received. */
  lostWrites: ReplicationRecord[] | undefined;
  /** The regional endpoint (`http://127.0.0.1:port/`), once its server listens. */
  endpoint = '';

  constructor(name: RegionName, index: number, lagMs: number) {
    this.name = name.name;
    this.displayName = name.displayName;
    this.index = index;
    this.lagMs = lagMs;
  }

  get isUp(): boolean {
    return this.reachability === 'up';
  }
}
