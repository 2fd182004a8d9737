import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PartitionKeyDefinition } from '@azure/cosmos';
import { valueAt, type JsonObject } from './json.ts';

// Logical partitions (the items sharing one partition key value) live in physical partitions, each
// owning a range of effective partition keys (EPK, the hash of the value). The partitioning overview
// (https://learn.microsoft.com/azure/cosmos-db/partitioning-overview) says items are grouped into
// logical partitions by partition key value, the partition key and item id together identify an item,
// and logical partitions are spread over physical partitions. The account hashes with the SDK's own
// function, so a feed range the SDK computes and the range the account keeps an item in always agree.

const require = createRequire(import.meta.url);
const sdkHashing = require(join(dirname(require.resolve('@azure/cosmos')), 'utils', 'hashing', 'hash.js')) as {
  hashPartitionKey: (value: unknown[], definition: PartitionKeyDefinition) => string;
};

/** A partition key value in the SDK's internal form: one entry per path, `undefined` where the item has none. */
export type PartitionKeyValue = unknown[];

/** The whole EPK space, as the service advertises it in its partition key ranges. */
export const MIN_EPK = '';
export const MAX_EPK = 'FF';

/** The SDK sends a missing value as `{}` (its `NonePartitionKeyLiteral`). */
const isNoneLiteral = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

export const partitionKeyFromHeader = (header: string): PartitionKeyValue => {
  const parsed: unknown = JSON.parse(header);
  const values = Array.isArray(parsed) ? parsed : [parsed];
  return values.map((value) => (isNoneLiteral(value) ? undefined : value));
};

export const partitionKeyOfItem = (definition: PartitionKeyDefinition, item: JsonObject): PartitionKeyValue =>
  definition.paths.map((path) => valueAt(item, path));

/** The text that names a logical partition (its value as the SDK sends it in `x-ms-documentdb-partitionkey`). */
export const partitionKeyText = (value: PartitionKeyValue): string => JSON.stringify(value.map((part) => (part === undefined ? {} : part)));

export const effectivePartitionKey = (definition: PartitionKeyDefinition, value: PartitionKeyValue): string =>
  sdkHashing.hashPartitionKey(value, definition);

export interface EpkRange {
  minInclusive: string;
  maxExclusive: string;
}

export const inRange = (epk: string, range: EpkRange): boolean =>
  epk >= range.minInclusive && (range.maxExclusive === MAX_EPK || epk < range.maxExclusive);

/** Sample hashes per hash version: hashing is slow, and every container of a version needs the same ones. */
const sampleHashes = new Map<string, string[]>();
const samplesFor = (definition: PartitionKeyDefinition): string[] => {
  const version = String(definition.version ?? 1);
  let samples = sampleHashes.get(version);
  if (samples === undefined) {
    samples = Array.from({ length: 1024 }, (_, i) => effectivePartitionKey(definition, [`sample-${i}`])).sort();
    sampleHashes.set(version, samples);
  }
  return samples;
};

/**
 * Boundaries that give each of `count` ranges a fair share of items: quantiles of the hashes of sample
 * keys (hashes are uniform, but V1 hashes share a prefix, so a midpoint of the string space would not do).
 */
export const boundariesWithin = (definition: PartitionKeyDefinition, range: EpkRange, count: number): string[] => {
  const samples = samplesFor(definition).filter((epk) => inRange(epk, range));
  const boundaries: string[] = [];
  for (let part = 1; part < count; part++) {
    const boundary = samples[Math.floor((part * samples.length) / count)];
    if (boundary === undefined || boundary === boundaries.at(-1) || boundary === range.minInclusive)
      throw new Error(`cannot split the EPK range [${range.minInclusive}, ${range.maxExclusive}) into ${count}`);
    boundaries.push(boundary);
  }
  return boundaries;
};

/** Consecutive ranges covering `range`, cut at the boundaries. */
export const rangesBetween = (range: EpkRange, boundaries: string[]): EpkRange[] => {
  const edges = [range.minInclusive, ...boundaries, range.maxExclusive];
  return edges.slice(1).map((maxExclusive, i) => ({ minInclusive: edges[i]!, maxExclusive }));
};
