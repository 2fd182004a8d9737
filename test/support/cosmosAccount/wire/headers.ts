import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';

// The request headers of the REST API that the account acts on
// (https://learn.microsoft.com/rest/api/cosmos-db/common-cosmosdb-rest-request-headers), parsed once.

const text = z.union([z.string(), z.array(z.string()).transform((values) => values.join(','))]).optional();
const flag = text.transform((value) => value?.toLowerCase() === 'true');
const count = text.transform((value) => (value === undefined || value === '' ? undefined : Number(value))).pipe(z.number().int().optional());

export const RequestHeaders = z.object({
  'x-ms-documentdb-partitionkey': text,
  'x-ms-documentdb-partitionkeyrangeid': text,
  'x-ms-max-item-count': count,
  'x-ms-continuation': text,
  'if-match': text,
  'if-none-match': text,
  'if-modified-since': text,
  'a-im': text,
  'x-ms-session-token': text,
  'x-ms-consistency-level': text,
  'x-ms-documentdb-is-upsert': flag,
  'x-ms-documentdb-isquery': flag,
  'x-ms-cosmos-is-query-plan-request': flag,
  'x-ms-cosmos-is-batch-request': flag,
  /** `false` on the batches of bulk execution: each operation stands alone (handlers/bulk.ts); absent or `true`: all or nothing. */
  'x-ms-cosmos-batch-atomic': text,
  /** Of a non-atomic batch: `false` stops at the first failed operation (the rest answered 424, not applied). */
  'x-ms-cosmos-batch-continue-on-error': text,
  'x-ms-start-epk': text,
  'x-ms-end-epk': text,
  'content-type': text,
});
export type RequestHeaders = z.infer<typeof RequestHeaders>;

export const parseRequestHeaders = (headers: IncomingHttpHeaders): RequestHeaders => RequestHeaders.parse(headers);
