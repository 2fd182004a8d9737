import { readChangeFeed, type FeedScope, type FeedStart } from '../../model/changeFeed.ts';
import type { ContainerState, PhysicalPartition } from '../../model/container.ts';
import { epochSeconds } from '../../model/resourceIds.ts';
import { assertSessionAvailable, containerOf, itemHeaders, namedPartition, ReplyError, requestPartitionKey, type Handler, type RequestContext } from '../context.ts';
import { NOT_MODIFIED_CHARGE, queryCharge } from '../requestCharge.ts';
import { badRequest } from '../responses.ts';

// A change feed read (GET .../docs with `A-IM: Incremental feed`), as the SDK's pull model sends it
// (see model/changeFeed.ts for what it returns). Where to start: `If-None-Match` carries the etag of an
// earlier page (a continuation) or `*` ("from now"); `If-Modified-Since` a point in time; neither
// means from the beginning. The request names a partition key range (x-ms-documentdb-partitionkeyrangeid,
// narrowed by x-ms-start-epk/x-ms-end-epk for a feed range inside it) or a partition key. A range that
// has split answers 410 Gone (PartitionKeyRangeGone): the SDK then re-reads the ranges and carries
// the continuation over to the children ("split continuations").

const LATEST_VERSION = 'incremental feed';

const startOf = (context: RequestContext): FeedStart => {
  const ifNoneMatch = context.headers['if-none-match'];
  if (ifNoneMatch === '*') return { from: 'now' };
  if (ifNoneMatch !== undefined) {
    const lsn = Number(ifNoneMatch.replaceAll('"', ''));
    if (!Number.isInteger(lsn) || lsn < 0) throw new ReplyError(badRequest(`Invalid continuation ${ifNoneMatch}`));
    return { from: 'continuation', lsn };
  }
  const since = context.headers['if-modified-since'];
  if (since !== undefined) {
    const ms = Date.parse(since);
    if (Number.isNaN(ms)) throw new ReplyError(badRequest(`Invalid If-Modified-Since ${since}`));
    return { from: 'time', epochSeconds: epochSeconds(ms) };
  }
  return { from: 'beginning' };
};

const scopeOf = (context: RequestContext, container: ContainerState): { partition: PhysicalPartition; scope: FeedScope } => {
  if (context.headers['x-ms-documentdb-partitionkey'] !== undefined) {
    const { partitionKey, partition } = container.locate(requestPartitionKey(context));
    return { partition, scope: { range: partition, partitionKey } };
  }
  const rangeId = context.headers['x-ms-documentdb-partitionkeyrangeid'];
  if (rangeId === undefined) throw new ReplyError(badRequest('A change feed request names a partition key range or a partition key.'));
  const partition = namedPartition(container, rangeId);
  const range = { minInclusive: context.headers['x-ms-start-epk'] ?? partition.minInclusive, maxExclusive: context.headers['x-ms-end-epk'] ?? partition.maxExclusive };
  return { partition, scope: { range } };
};

export const readChanges: Handler = (context) => {
  if (context.headers['a-im']?.toLowerCase() !== LATEST_VERSION)
    return badRequest(`Change feed mode "${context.headers['a-im']}" is not supported by this test account (latest version only).`);
  const container = containerOf(context);
  const { partition, scope } = scopeOf(context, container);
  assertSessionAvailable(context, partition);
  const pageSize = context.headers['x-ms-max-item-count'];
  const page = readChangeFeed(container, partition, scope, startOf(context), pageSize !== undefined && pageSize > 0 ? pageSize : undefined);
  const headers = { ...itemHeaders(context, container, [partition]), etag: `"${page.lsn}"`, 'x-ms-item-count': String(page.items.length) };
  if (page.items.length === 0) return { status: 304, charge: NOT_MODIFIED_CHARGE, headers };
  return { status: 200, charge: queryCharge(page.items), headers, body: { _rid: container.resource._rid, Documents: page.items, _count: page.items.length } };
};
