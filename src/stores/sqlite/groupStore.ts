import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { GroupState, type ConsumerGroupStore, type StoredGroupState } from '../../core/index.ts';

// Consumer groups' records in the region's views file, beside the consumers' checkpoints: one row per
// group, its state as JSON and an etag for conditional writes (the same rule as projection_states).
export const GROUPS_SCHEMA = `
CREATE TABLE IF NOT EXISTS consumer_groups (
  name  TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  etag  TEXT NOT NULL
) WITHOUT ROWID;
`;

export interface SqliteWrites {
  guard: <T>(work: () => T) => T;
  /** Joins the file's next group commit. */
  write: <T>(work: () => T) => Promise<T>;
}

export const sqliteGroupStore = (db: DatabaseSync, { guard, write }: SqliteWrites): ConsumerGroupStore => {
  db.exec(GROUPS_SCHEMA);
  const select = db.prepare('SELECT state, etag FROM consumer_groups WHERE name = ?');
  const names = db.prepare('SELECT name FROM consumer_groups ORDER BY name');
  const insert = db.prepare('INSERT INTO consumer_groups (name, state, etag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const update = db.prepare('UPDATE consumer_groups SET state = ?, etag = ? WHERE name = ? AND etag = ?');
  return {
    get: async (group): Promise<StoredGroupState | undefined> =>
      guard(() => {
        const row = select.get(group) as { state: string; etag: string } | undefined;
        return row === undefined ? undefined : { state: GroupState.parse(JSON.parse(row.state)), etag: row.etag };
      }),
    put: (state, condition) => {
      const json = JSON.stringify(state);
      const etag = randomUUID();
      return write(() => {
        const result = 'absent' in condition ? insert.run(state.group, json, etag) : update.run(json, etag, state.group, condition.etag);
        return result.changes === 1 ? etag : undefined;
      });
    },
    list: async () => guard(() => (names.all() as Array<{ name: string }>).map((row) => row.name)),
  };
};
