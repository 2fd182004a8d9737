import type { ConflictResolutionPolicy, PartitionKeyDefinition, UniqueKeyPolicy } from '@azure/cosmos';
import { deepCopy, type JsonObject } from './json.ts';
import { effectivePartitionKey, inRange, type EpkRange, type PartitionKeyValue, partitionKeyText } from './partitioning.ts';
import { uniqueTuples } from './uniqueKeys.ts';

/** A container resource as the service returns it: the definition plus the system properties. */
export interface ContainerResource extends JsonObject {
  id: string;
  _rid: string;
  _self: string;
  partitionKey: PartitionKeyDefinition;
  uniqueKeyPolicy: UniqueKeyPolicy;
  conflictResolutionPolicy: ConflictResolutionPolicy;
}

/** A physical partition: a range of EPKs with its own log sequence number (LSN). */
export interface PhysicalPartition extends EpkRange {
  /** The partition key range id the SDK routes by. */
  id: string;
  rid: string;
  parents: string[];
  /** The LSN of the last change this copy applied. */
  lsn: number;
  /** Per write region, the highest LSN it issued that this copy has applied (the session vector). */
  progress: Record<string, number>;
}

export interface StoredItem {
  /** The logical partition: the partition key value as text. */
  partitionKey: string;
  epk: string;
  /** The item with its system properties, exactly as served. */
  body: JsonObject;
  /** Which write region committed this version, and when: how concurrent writes are ordered. */
  writtenBy: { region: string; at: number };
}

/** Items are addressed by logical partition and id: "the partition key and item ID combination ... uniquely identifies the item". */
export const itemKey = (partitionKey: string, id: string): string => `${partitionKey}\u0000${id}`;

/** One region's copy of one container. */
export class ContainerState {
  readonly resource: ContainerResource;
  partitions: PhysicalPartition[];
  /** Partition ids that split, and the ids of their children (requests naming them get 410 Gone). */
  readonly retired = new Map<string, string[]>();
  private readonly items = new Map<string, StoredItem>();
  private readonly logicalPartitions = new Map<string, Set<string>>();
  private readonly uniqueOwners = new Map<string, string>();
  /** EPK by partition key text: hashing is the slowest step of a request. */
  private readonly epks = new Map<string, string>();

  constructor(resource: ContainerResource, partitions: PhysicalPartition[]) {
    this.resource = resource;
    this.partitions = partitions;
  }

  get partitionKeyDefinition(): PartitionKeyDefinition {
    return this.resource.partitionKey;
  }

  locate(value: PartitionKeyValue): { partitionKey: string; epk: string; partition: PhysicalPartition } {
    const partitionKey = partitionKeyText(value);
    let epk = this.epks.get(partitionKey);
    if (epk === undefined) this.epks.set(partitionKey, (epk = effectivePartitionKey(this.partitionKeyDefinition, value)));
    return { partitionKey, epk, partition: this.partitionFor(epk) };
  }

  partitionFor(epk: string): PhysicalPartition {
    const found = this.partitions.find((partition) => inRange(epk, partition));
    if (found === undefined) throw new Error(`no partition holds EPK ${epk}`);
    return found;
  }

  partitionById(id: string): PhysicalPartition | undefined {
    return this.partitions.find((partition) => partition.id === id);
  }

  get(key: string): StoredItem | undefined {
    return this.items.get(key);
  }

  /** The key of the item that holds this unique tuple, if any. */
  uniqueOwner(tuple: string): string | undefined {
    return this.uniqueOwners.get(tuple);
  }

  tuplesOf(partitionKey: string, body: JsonObject): string[] {
    return uniqueTuples(this.resource.uniqueKeyPolicy, partitionKey, body);
  }

  put(key: string, item: StoredItem): void {
    this.delete(key);
    this.items.set(key, item);
    let members = this.logicalPartitions.get(item.partitionKey);
    if (members === undefined) this.logicalPartitions.set(item.partitionKey, (members = new Set()));
    members.add(key);
    for (const tuple of this.tuplesOf(item.partitionKey, item.body)) this.uniqueOwners.set(tuple, key);
  }

  delete(key: string): void {
    const existing = this.items.get(key);
    if (existing === undefined) return;
    this.items.delete(key);
    this.logicalPartitions.get(existing.partitionKey)?.delete(key);
    for (const tuple of this.tuplesOf(existing.partitionKey, existing.body))
      if (this.uniqueOwners.get(tuple) === key) this.uniqueOwners.delete(tuple);
  }

  /** The items of one logical partition. */
  inLogicalPartition(partitionKey: string): StoredItem[] {
    return [...(this.logicalPartitions.get(partitionKey) ?? [])].map((key) => this.items.get(key)!);
  }

  /** The items whose EPK falls in the range (a physical partition or a narrower feed range). */
  inRange(range: EpkRange): StoredItem[] {
    return [...this.items.values()].filter((item) => inRange(item.epk, range));
  }

  all(): StoredItem[] {
    return [...this.items.values()];
  }

  /** Replaces a partition by children covering its range; they continue its LSN, so continuations stay valid. */
  split(partitionId: string, children: Array<EpkRange & { id: string; rid: string }>): void {
    const parent = this.partitionById(partitionId);
    if (parent === undefined) throw new Error(`no partition key range ${partitionId}`);
    const replacements = children.map((child) => ({ ...child, parents: [...parent.parents, parent.id], lsn: parent.lsn, progress: { ...parent.progress } }));
    this.partitions = this.partitions.flatMap((partition) => (partition === parent ? replacements : [partition]));
    this.retired.set(parent.id, replacements.map((child) => child.id));
  }

  /** The live partitions that took over a retired one (following later splits too). */
  successorsOf(partitionId: string): PhysicalPartition[] {
    const children = this.retired.get(partitionId);
    if (children === undefined) {
      const live = this.partitionById(partitionId);
      return live === undefined ? [] : [live];
    }
    return children.flatMap((child) => this.successorsOf(child));
  }

  /** An independent copy: a region re-seeded from another starts from this. */
  clone(): ContainerState {
    const copy = new ContainerState(deepCopy(this.resource), deepCopy(this.partitions));
    for (const [id, children] of this.retired) copy.retired.set(id, [...children]);
    for (const [key, item] of this.items) copy.put(key, deepCopy(item));
    return copy;
  }
}
