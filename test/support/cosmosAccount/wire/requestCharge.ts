import { sizeInBytes } from '../model/json.ts';

// Request charges (`x-ms-request-charge`, "the number of normalized requests a.k.a. request units (RU)
// for the operation", https://learn.microsoft.com/rest/api/cosmos-db/common-cosmosdb-rest-response-headers),
// from the figures Microsoft documents:
// - point read: "A point read for a 1-KB item is equivalent to one Request Unit (RU)"
//   (https://learn.microsoft.com/azure/cosmos-db/request-units), and the cost table of
//   https://learn.microsoft.com/azure/cosmos-db/optimize-cost-reads-writes: 1 KB → 1 RU, 100 KB → 10 RU;
//   sizes in between are interpolated on a straight line, and nothing costs less than 1 RU;
// - write (create, replace, upsert, patch, delete): the same table gives 1 KB → 5 RU and
//   100 KB → 50 RU, so a write costs five times a point read of the same size;
// - query and change feed page: point reads are the cheapest reads and a query's charge grows with the
//   items it returns (same pages): this model charges 2 RU of query overhead plus the returned bytes
//   at the point-read rate; a change feed read that finds nothing new costs 1 RU;
// - metadata reads (account, database, container, partition key ranges) cost 1 RU; throttled and
//   refused requests cost nothing.
// Real charges also depend on indexing, property count and consistency level; the model does not.

const KB = 1024;
const READ_AT_1KB = 1;
const READ_AT_100KB = 10;
const WRITE_FACTOR = 5;
const QUERY_OVERHEAD = 2;

const round = (charge: number): number => Math.round(charge * 100) / 100;

/** The point-read charge of this many bytes. */
export const readChargeOfBytes = (bytes: number): number =>
  round(Math.max(READ_AT_1KB, READ_AT_1KB + ((bytes / KB - 1) * (READ_AT_100KB - READ_AT_1KB)) / 99));

export const pointReadCharge = (item: unknown): number => readChargeOfBytes(sizeInBytes(item));

export const writeCharge = (item: unknown): number => round(WRITE_FACTOR * pointReadCharge(item));

export const queryCharge = (results: readonly unknown[]): number =>
  round(QUERY_OVERHEAD + (results.length === 0 ? 0 : readChargeOfBytes(results.reduce<number>((total, result) => total + sizeInBytes(result), 0))));

export const NOT_MODIFIED_CHARGE = 1;
export const METADATA_CHARGE = 1;
