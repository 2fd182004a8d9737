import { LsnAllocator } from './model/lsn.ts';
import { ResourceIds } from './model/resourceIds.ts';
import { ConflictFeeds } from './regions/conflicts.ts';
import { Region } from './regions/region.ts';
import type { RegionName } from './regions/regionNames.ts';
import { Replication } from './regions/replication.ts';
import type { SessionState } from './regions/sessionTokens.ts';
import { applyReplicated } from './writes.ts';

export interface AccountSettings {
  name: string;
  regions: RegionName[];
  /** The write region (single-write), or every region (multi-write). */
  writeRegions: string[];
  multiWrite: boolean;
  lagMs: Record<string, number>;
  /** Physical partitions (partition key ranges) each new container starts with. */
  physicalPartitions: number;
  /** The clock of `_ts` and of commit order; tests may set their own. */
  clock: () => number;
}

/** Everything the account knows, shared by its regions' servers and its controls. */
export class AccountState {
  readonly name: string;
  readonly regions: Region[];
  writeRegions: Region[];
  readonly multiWrite: boolean;
  readonly physicalPartitions: number;
  readonly clock: () => number;
  readonly ids = new ResourceIds();
  readonly lsns = new LsnAllocator();
  readonly conflicts = new ConflictFeeds();
  readonly replication: Replication;
  /** The "Version" of session tokens; it moves on at every failover. */
  failovers = 0;

  constructor(settings: AccountSettings) {
    this.name = settings.name;
    this.regions = settings.regions.map((name, index) => new Region(name, index, settings.lagMs[name.name] ?? 0));
    this.writeRegions = settings.writeRegions.map((name) => this.region(name));
    this.multiWrite = settings.multiWrite;
    this.physicalPartitions = settings.physicalPartitions;
    this.clock = settings.clock;
    this.replication = new Replication(
      () => this.regions,
      (target, record) => applyReplicated(this, target, record),
    );
  }

  region(name: string): Region {
    const found = this.regions.find((region) => region.name === name || region.displayName === name);
    if (found === undefined) throw new Error(`the account has no region ${name}; it has ${this.regions.map((r) => r.name).join(', ')}`);
    return found;
  }

  /** The region whose copy is the account's reference: the (first) write region. */
  get primary(): Region {
    return this.writeRegions[0]!;
  }

  acceptsWrites(region: Region): boolean {
    return this.writeRegions.includes(region);
  }

  sessionState(): SessionState {
    return {
      version: this.failovers,
      writeRegionIndexes: this.multiWrite ? new Map(this.writeRegions.map((region) => [region.name, region.index])) : undefined,
    };
  }
}
