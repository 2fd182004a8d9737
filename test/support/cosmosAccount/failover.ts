import type { AccountState } from './accountState.ts';
import type { Region, ReplicationRecord } from './regions/region.ts';

// Moving the write region of a single-write account.
// - Planned (customer-initiated, "manual") failover: the account drains replication to the new write
//   region and switches; nothing acknowledged is lost. "Do not trigger a manual failover during the
//   outage, as it will not succeed" (https://learn.microsoft.com/azure/cosmos-db/high-availability):
//   it is refused while either region is unreachable.
// - Forced failover (the service-managed failover of an outage, or a forced change of the write
//   region): the switch happens at once. Writes the old write region acknowledged but had not
//   replicated to the new one are not part of the new timeline ("some data may not have been
//   replicated to the remaining active regions", same page). When the old region comes back it rejoins
//   as a read region with a copy of the new timeline, and its unreplicated writes are put on the
//   container's conflicts feed, from which "Accounts using SQL APIs may also recover the non-replicated
//   data in the failed region" (same page).
// Clients learn of the new write region from the account document: a write sent to a region that no
// longer accepts writes is answered 403 with substatus 3 (WriteForbidden), "used as a redirect code ...
// to forward the write request to the new write region"
// (https://learn.microsoft.com/rest/api/cosmos-db/http-status-codes-for-cosmosdb), and the SDK then
// re-reads the account and retries there.

export class FailoverError extends Error {}

const singleWrite = (state: AccountState, to: Region): Region => {
  if (state.multiWrite) throw new FailoverError('an account with several write regions has no single write region to move');
  const from = state.primary;
  if (to === from) throw new FailoverError(`${to.name} is already the write region`);
  if (!to.isUp) throw new FailoverError(`${to.name} is unreachable: heal it first`);
  return from;
};

export const plannedFailover = (state: AccountState, to: Region): void => {
  const from = singleWrite(state, to);
  if (!from.isUp) throw new FailoverError(`a planned failover does not succeed while ${from.name} is unreachable: use a forced failover`);
  state.replication.drain(to, from);
  state.writeRegions = [to];
  state.failovers++;
};

/** Brings a region that lost writes in a forced failover back: conflicts feed, then a copy of the new timeline. */
export const rejoin = (state: AccountState, region: Region): void => {
  const lost = region.lostWrites;
  if (lost === undefined) return;
  region.lostWrites = undefined;
  publishLostWrites(state, lost);
  state.replication.discard(region);
  region.replica = state.primary.replica.clone();
};

export const forcedFailover = (state: AccountState, to: Region): void => {
  const from = singleWrite(state, to);
  const lost = state.replication.discard(to, from);
  for (const other of state.regions) {
    if (other === from || other === to) continue;
    // Their copies may hold writes the new write region never got: they restart from its copy.
    state.replication.discard(other, from);
    other.replica = to.replica.clone();
  }
  from.lostWrites = [...(from.lostWrites ?? []), ...lost];
  state.writeRegions = [to];
  state.failovers++;
  if (from.isUp) rejoin(state, from);
};

/** One conflict per item the lost writes touched: its last lost version. */
const publishLostWrites = (state: AccountState, lost: ReplicationRecord[]): void => {
  const last = new Map<string, { record: ReplicationRecord; change: ReplicationRecord['changes'][number] }>();
  for (const record of lost) for (const change of record.changes) last.set(`${record.containerRid}|${change.key}`, { record, change });
  for (const { record, change } of last.values())
    state.conflicts.add(record.containerRid, change.partitionKey, change.body ?? { id: change.id }, change.operationType, record.lsn, state.clock());
};
