import { createHash } from 'node:crypto';
import type { ConflictResolutionPolicy } from '@azure/cosmos';
import { valueAt, type JsonObject } from '../model/json.ts';
import { epochSeconds, newEtag } from '../model/resourceIds.ts';

// The conflicts feed of a container (`container.conflicts`, REST .../colls/{id}/conflicts), and how
// concurrent writes of several write regions are resolved:
// - Last Writer Wins, the default: "In a conflict, the highest value wins" on the resolution path,
//   `_ts` unless set, and "Conflicts resolved with this policy don't show up in the conflict feed"
//   (https://learn.microsoft.com/azure/cosmos-db/how-to-manage-conflicts); a delete wins over an
//   insert or replace whatever the value, and all regions converge on one winner
//   (https://learn.microsoft.com/azure/cosmos-db/conflict-resolution-policies).
// - Custom with no merge procedure registered: the conflicts are written to the conflicts feed for the
//   application to resolve (same pages). Which version stays in the container is not documented: here
//   the version committed first stays (every region picks the same, so they converge) and the other
//   version is the conflict.
// - After a forced failover, writes the old write region had not replicated can be recovered "from your
//   conflicts feed" once it is back (https://learn.microsoft.com/azure/cosmos-db/high-availability).
// The feed is account-wide here (the same from every region), and each conflict is recorded once.

/** A conflict resource as `container.conflicts.readAll()` returns it. */
export interface ConflictResource extends JsonObject {
  id: string;
  resourceId: string;
  resourceType: 'document';
  operationType: 'create' | 'replace' | 'delete';
  /** The losing version of the item, as a JSON string (as the service sends it). */
  content: string;
  conflict_lsn: number;
}

/** One side of a conflict: a version of an item (null: deleted), and which region committed it when. */
export interface ConflictingVersion {
  body: JsonObject | null;
  regionIndex: number;
  committedAt: number;
}

const compare = (a: number[], b: number[]): number => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
};

/** True when `incoming` wins over `local` under the container's policy. */
export const incomingWins = (policy: ConflictResolutionPolicy | undefined, incoming: ConflictingVersion, local: ConflictingVersion): boolean => {
  const order = (version: ConflictingVersion, path: string): number[] => {
    const value = version.body === null ? Number.POSITIVE_INFINITY : valueAt(version.body, path);
    return [typeof value === 'number' ? value : Number.NEGATIVE_INFINITY, version.committedAt, version.regionIndex];
  };
  if (policy?.mode === 'Custom') return compare([incoming.committedAt, incoming.regionIndex], [local.committedAt, local.regionIndex]) < 0;
  const path = policy?.conflictResolutionPath || '/_ts';
  return compare(order(incoming, path), order(local, path)) > 0;
};

/** Whether the loser of a conflict is kept on the conflicts feed. */
export const losersGoToFeed = (policy: ConflictResolutionPolicy | undefined): boolean => policy?.mode === 'Custom';

interface StoredConflict {
  resource: ConflictResource;
  partitionKey: string;
}

export class ConflictFeeds {
  private readonly feeds = new Map<string, StoredConflict[]>();

  /** Records a losing version (once, however many regions detect it); the operation type names the kind of conflict. */
  add(containerRid: string, partitionKey: string, loser: JsonObject, operationType: ConflictResource['operationType'], lsn: number, nowMs: number): void {
    const resourceId = String(loser._rid ?? '');
    const id = createHash('sha256').update(JSON.stringify([partitionKey, loser.id, resourceId, loser._etag])).digest('base64url').slice(0, 22);
    const feed = this.feeds.get(containerRid) ?? [];
    if (feed.some((conflict) => conflict.resource.id === id)) return;
    feed.push({
      partitionKey,
      resource: {
        id,
        _rid: id,
        _self: `conflicts/${id}/`,
        _etag: newEtag(),
        _ts: epochSeconds(nowMs),
        resourceId,
        resourceType: 'document',
        operationType,
        content: JSON.stringify(loser),
        conflict_lsn: lsn,
      },
    });
    this.feeds.set(containerRid, feed);
  }

  list(containerRid: string): ConflictResource[] {
    return (this.feeds.get(containerRid) ?? []).map((conflict) => conflict.resource);
  }

  find(containerRid: string, id: string, partitionKey: string): ConflictResource | undefined {
    return this.feeds.get(containerRid)?.find((conflict) => conflict.resource.id === id && conflict.partitionKey === partitionKey)?.resource;
  }

  /** Deletes a conflict in its item's partition; false when there is none. */
  remove(containerRid: string, id: string, partitionKey: string): boolean {
    const feed = this.feeds.get(containerRid) ?? [];
    const at = feed.findIndex((conflict) => conflict.resource.id === id && conflict.partitionKey === partitionKey);
    if (at < 0) return false;
    feed.splice(at, 1);
    return true;
  }
}
