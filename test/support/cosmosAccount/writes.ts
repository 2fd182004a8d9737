import type { AccountState } from './accountState.ts';
import { itemKey, type ContainerState, type StoredItem } from './model/container.ts';
import { deepCopy } from './model/json.ts';
import { epochSeconds, newEtag } from './model/resourceIds.ts';
import type { PlannedWrite } from './model/transaction.ts';
import { incomingWins, losersGoToFeed, type ConflictingVersion } from './regions/conflicts.ts';
import type { ItemChange, Region, ReplicationRecord } from './regions/region.ts';

// How a transaction becomes part of the account: the region that accepted it commits it (one LSN for
// the whole transaction, system properties stamped), ships it to the other regions (replication.ts),
// and each of them applies it to its own copy. With several write regions a copy may find that it
// changed the same item concurrently: the container's conflict resolution policy decides (conflicts.ts).

/** Commits a planned transaction in the region; its outcome bodies are stamped in place. */
export const commitTransaction = (
  state: AccountState,
  region: Region,
  databaseId: string,
  container: ContainerState,
  writes: PlannedWrite[],
): ReplicationRecord => {
  const partition = container.partitionFor(writes[0]!.epk);
  const containerRid = container.resource._rid;
  const lsn = state.lsns.next(containerRid, partition.id, partition.lsn);
  const now = state.clock();
  const changes = writes.map((write): ItemChange => {
    const change = { key: write.key, id: write.id, partitionKey: write.partitionKey, epk: write.epk, previousEtag: (write.previous?.body._etag as string | undefined) ?? null };
    if (write.next === null) {
      container.delete(write.key);
      return { ...change, body: null, operationType: 'delete' };
    }
    const rid = (write.previous?.body._rid as string | undefined) ?? state.ids.document(containerRid);
    const body = Object.assign(write.next, {
      _rid: rid,
      _self: `${container.resource._self}docs/${rid}/`,
      _etag: newEtag(),
      _attachments: 'attachments/',
      _ts: epochSeconds(now),
      _lsn: lsn,
    });
    container.put(write.key, { partitionKey: write.partitionKey, epk: write.epk, body, writtenBy: { region: region.name, at: now } });
    return { ...change, body: deepCopy(body), operationType: write.previous === undefined ? 'create' : 'replace' };
  });
  partition.lsn = lsn;
  partition.progress[region.name] = lsn;
  return { database: databaseId, container: container.resource.id, containerRid, lsn, origin: region.name, committedAt: now, changes };
};

const versionOf = (state: AccountState, item: StoredItem | undefined): ConflictingVersion => ({
  body: item?.body ?? null,
  regionIndex: item === undefined ? -1 : state.region(item.writtenBy.region).index,
  committedAt: item?.writtenBy.at ?? 0,
});

/** The item this change collides with in the copy, if any: the same item changed since, or another holder of its unique key. */
const collisionOf = (container: ContainerState, change: ItemChange): { key: string; item: StoredItem } | undefined => {
  const current = container.get(change.key);
  if (current !== undefined && current.body._etag !== change.previousEtag) return { key: change.key, item: current };
  if (change.body === null) return undefined;
  const owner = container
    .tuplesOf(change.partitionKey, change.body)
    .map((tuple) => container.uniqueOwner(tuple))
    .find((key) => key !== undefined && key !== change.key);
  const item = owner === undefined ? undefined : container.get(owner);
  return item === undefined ? undefined : { key: itemKey(item.partitionKey, String(item.body.id)), item };
};

/** Applies a transaction another region committed to this region's copy. */
export const applyReplicated = (state: AccountState, target: Region, record: ReplicationRecord): void => {
  const container = target.replica.container(record.database, record.container);
  if (container === undefined || record.changes.length === 0) return;
  const partition = container.partitionFor(record.changes[0]!.epk);
  // The copy's own order: with several write regions transactions may arrive out of LSN order, and
  // this copy's change feed must still only move forward.
  const localLsn = record.lsn > partition.lsn ? record.lsn : state.lsns.next(container.resource._rid, partition.id, partition.lsn);
  const policy = container.resource.conflictResolutionPolicy;
  const incoming: ConflictingVersion = { body: null, regionIndex: state.region(record.origin).index, committedAt: record.committedAt };
  for (const change of record.changes) {
    const collision = state.multiWrite ? collisionOf(container, change) : undefined;
    if (collision !== undefined) {
      const local = versionOf(state, collision.item);
      const wins = incomingWins(policy, { ...incoming, body: change.body }, local);
      const loser = wins ? local.body : change.body;
      if (losersGoToFeed(policy) && loser !== null)
        state.conflicts.add(record.containerRid, change.partitionKey, loser, change.operationType, record.lsn, state.clock());
      if (!wins) continue;
      container.delete(collision.key);
    }
    if (change.body === null) container.delete(change.key);
    else
      container.put(change.key, {
        partitionKey: change.partitionKey,
        epk: change.epk,
        body: { ...deepCopy(change.body), _lsn: localLsn },
        writtenBy: { region: record.origin, at: record.committedAt },
      });
  }
  partition.lsn = Math.max(partition.lsn, localLsn);
  partition.progress[record.origin] = Math.max(partition.progress[record.origin] ?? 0, record.lsn);
};
