import { partitionKeyText } from '../../model/partitioning.ts';
import { containerOf, requestPartitionKey, type Handler } from '../context.ts';
import { METADATA_CHARGE } from '../requestCharge.ts';
import { notFound } from '../responses.ts';

// The conflicts feed (regions/conflicts.ts) over REST: GET .../conflicts pages `{Conflicts, _count}`
// with a continuation; GET or DELETE .../conflicts/{id} in the partition of the item the conflict is
// about (x-ms-documentdb-partitionkey), as `container.conflict(id, partitionKey)` sends them.

const DEFAULT_PAGE = 100;

export const readConflictFeed: Handler = (context) => {
  const container = containerOf(context);
  const conflicts = context.state.conflicts.list(container.resource._rid);
  const from = Number(context.headers['x-ms-continuation'] ?? 0) || 0;
  const requested = context.headers['x-ms-max-item-count'];
  const size = requested !== undefined && requested > 0 ? requested : DEFAULT_PAGE;
  const page = conflicts.slice(from, from + size);
  const more = from + size < conflicts.length;
  return {
    status: 200,
    charge: METADATA_CHARGE,
    body: { _rid: container.resource._rid, Conflicts: page, _count: page.length },
    headers: { 'x-ms-item-count': String(page.length), ...(more ? { 'x-ms-continuation': String(from + size) } : {}) },
  };
};

export const readConflict: Handler = (context) => {
  const container = containerOf(context);
  const found = context.state.conflicts.find(container.resource._rid, context.params.conflict!, partitionKeyText(requestPartitionKey(context)));
  return found === undefined ? notFound() : { status: 200, charge: METADATA_CHARGE, body: found };
};

export const deleteConflict: Handler = (context) => {
  const container = containerOf(context);
  const removed = context.state.conflicts.remove(container.resource._rid, context.params.conflict!, partitionKeyText(requestPartitionKey(context)));
  return removed ? { status: 204, charge: METADATA_CHARGE } : notFound();
};
