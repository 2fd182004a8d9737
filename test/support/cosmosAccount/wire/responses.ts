// Answers as the service gives them: status, the headers the SDK acts on, and a body of the REST
// API's error shape `{code, message}` (https://learn.microsoft.com/rest/api/cosmos-db/http-status-codes-for-cosmosdb).

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Request units charged; 0 when omitted. */
  charge?: number;
}

export const errorReply = (status: number, code: string, message: string, substatus?: number): Reply => ({
  status,
  body: { code, message: `Message: {"Errors":["${message}"]}` },
  headers: substatus === undefined ? {} : { 'x-ms-substatus': String(substatus) },
});

export const badRequest = (message: string, substatus?: number): Reply => errorReply(400, 'BadRequest', message, substatus);
export const notFound = (): Reply => errorReply(404, 'NotFound', 'Resource Not Found');

/** 429: "the collection has exceeded the provisioned throughput limit"; retry after `x-ms-retry-after-ms`. Nothing was executed. */
export const throttled = (retryAfterMs: number): Reply => ({
  ...errorReply(429, 'TooManyRequests', 'Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later.', 3200),
  headers: { 'x-ms-substatus': '3200', 'x-ms-retry-after-ms': String(retryAfterMs) },
});

/**
 * 503 with a substatus of 21001 and above: "a transient service condition"
 * (https://learn.microsoft.com/azure/cosmos-db/troubleshoot-service-unavailable). The SDK retries a
 * read once in the next preferred region; a write to the single write region is not retried.
 */
export const serviceUnavailable = (): Reply => errorReply(503, 'ServiceUnavailable', 'The service is currently unavailable.', 21008);

/** 403.3: a write sent to a region that is not (or no longer) a write region (see failover.ts). */
export const writeForbidden = (): Reply => errorReply(403, 'Forbidden', 'The requested operation cannot be performed at this region', 3);

/**
 * 404.1002 ReadSessionNotAvailable: the copy serving the read has not reached the request's session
 * token. "In such cases, the SDK receives a specific failure from the service on the read operation
 * and retries the read on the primary region to ensure session consistency"
 * (https://learn.microsoft.com/azure/cosmos-db/nosql/troubleshoot-sdk-availability). Note what
 * @azure/cosmos 4.x actually does (retry/sessionRetryPolicy.js + retryUtility.js): on a single-write
 * account it retries once, in the same preferred region, after dropping the container's session
 * tokens; so a lagging read region then answers from its stale copy. test/account/regions.test.ts
 * pins that behaviour.
 */
export const readSessionNotAvailable = (): Reply =>
  errorReply(404, 'NotFound', 'The read session is not available for the input session token.', 1002);

/** 410.1002 PartitionKeyRangeGone: the partition key range named by the request has split. */
export const partitionKeyRangeGone = (): Reply => errorReply(410, 'Gone', 'The requested partition key range is gone', 1002);
