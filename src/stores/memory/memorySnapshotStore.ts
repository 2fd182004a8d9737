import { StoreUnavailableError, type Snapshot, type SnapshotStore } from '../../core/index.ts';

/** Snapshots in process memory, copied in and out so no caller shares state with the store. */
export class MemorySnapshotStore implements SnapshotStore {
  readonly kind = 'memory';
  private readonly snapshots = new Map<string, Snapshot>();
  private closed = false;

  async read(streamId: string, name: string): Promise<Snapshot | undefined> {
    this.assertOpen();
    const stored = this.snapshots.get(keyOf(streamId, name));
    return stored === undefined ? undefined : structuredClone(stored);
  }

  async write(snapshot: Snapshot): Promise<void> {
    this.assertOpen();
    this.snapshots.set(keyOf(snapshot.streamId, snapshot.name), structuredClone(snapshot));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('memory snapshot store is closed');
  }
}

const keyOf = (streamId: string, name: string): string => `${streamId}\n${name}`;
