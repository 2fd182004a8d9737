import { snapshotNameOf, type Snapshot, type SnapshotPolicy, type SnapshotStore } from './snapshot.ts';

export interface SnapshotsOptions {
  /** A snapshot that cannot be read or written is skipped (the log has everything); this hears about it. */
  onError?: (error: unknown, snapshot: { streamId: string; name: string; operation: 'read' | 'write' }) => void;
}

export interface LoadedSnapshot<State> {
  state: State;
  /** Stream version the state includes. */
  version: number;
}

/**
 * Reads snapshots for the command handler and writes them in the background, one write at a time
 * per stream and name (a newer snapshot queued behind a write replaces an older queued one), so a
 * command's answer never waits for its snapshot.
 */
export class Snapshots {
  private readonly store: SnapshotStore;
  private readonly onError: NonNullable<SnapshotsOptions['onError']>;
  private readonly writing = new Map<string, Promise<void>>();
  private readonly queued = new Map<string, Snapshot>();

  constructor(store: SnapshotStore, options: SnapshotsOptions = {}) {
    this.store = store;
    this.onError = options.onError ?? (() => {});
  }

  /** The stream's snapshot under this policy, or undefined when there is none usable (missing, unreadable, other schemaVersion). */
  async load<State>(streamId: string, policy: SnapshotPolicy<State>): Promise<LoadedSnapshot<State> | undefined> {
    const name = snapshotNameOf(policy);
    try {
      const stored = await this.store.read(streamId, name);
      if (stored === undefined || stored.schemaVersion !== policy.schemaVersion) return undefined;
      const state = policy.fromSnapshot ? policy.fromSnapshot(stored.state) : (stored.state as State);
      return { state, version: stored.version };
    } catch (error) {
      this.onError(error, { streamId, name, operation: 'read' });
      return undefined;
    }
  }

  /** Whether a stream now at `version`, loaded from a snapshot at `basis` (0: none), is due a new snapshot. */
  isDue(policy: Pick<SnapshotPolicy<unknown>, 'every'>, basis: number, version: number): boolean {
    return version - basis >= Math.max(1, policy.every);
  }

  /** Schedules a write of the state at `version`; returns at once. */
  save<State>(streamId: string, policy: SnapshotPolicy<State>, state: State, version: number): void {
    const name = snapshotNameOf(policy);
    let snapshot: Snapshot;
    try {
      // A copy, so a caller that keeps using its state cannot change what is written later.
      const data = structuredClone(policy.toSnapshot ? policy.toSnapshot(state) : state);
      snapshot = { streamId, name, schemaVersion: policy.schemaVersion, version, state: data, takenAt: new Date().toISOString() };
    } catch (error) {
      this.onError(error, { streamId, name, operation: 'write' });
      return;
    }
    const key = `${streamId}\n${name}`;
    if (!this.writing.has(key)) return this.start(key, snapshot);
    const waiting = this.queued.get(key);
    if (waiting === undefined || waiting.version <= snapshot.version) this.queued.set(key, snapshot);
  }

  /** Resolves once every scheduled write has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
  }

  private start(key: string, snapshot: Snapshot): void {
    const write = Promise.resolve()
      .then(() => this.store.write(snapshot))
      .catch((error: unknown) => this.onError(error, { streamId: snapshot.streamId, name: snapshot.name, operation: 'write' }))
      .finally(() => {
        this.writing.delete(key);
        const next = this.queued.get(key);
        if (next === undefined) return;
        this.queued.delete(key);
        this.start(key, next);
      });
    this.writing.set(key, write);
  }
}
