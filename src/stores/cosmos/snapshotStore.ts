import type { Container } from '@azure/cosmos';
import { Snapshot, StoreUnavailableError, type SnapshotStore } from '../../core/index.ts';
import { asResourceBody } from './documents.ts';
import { deadlineOf } from './deadline.ts';
import { mapCosmosErrors } from './errors.ts';
import { readDocument, withoutSystemProperties } from './conditionalWrites.ts';

/** Snapshots in the `snapshots` container: partition key /streamId, item id = snapshot name; last write wins. */
export class CosmosSnapshotStore implements SnapshotStore {
  readonly kind = 'cosmos';
  private readonly container: Container;
  private readonly release: () => void;
  private closed = false;

  constructor(container: Container, release: () => void) {
    this.container = container;
    this.release = release;
  }

  async read(streamId: string, name: string): Promise<Snapshot | undefined> {
    this.assertOpen();
    const found = await readDocument(this.container, name, streamId);
    if (found === undefined) return undefined;
    const { id: _id, ...snapshot } = withoutSystemProperties(found);
    return Snapshot.parse(snapshot);
  }

  async write(snapshot: Snapshot): Promise<void> {
    this.assertOpen();
    await mapCosmosErrors('snapshot write', () => deadlineOf()(() => this.container.items.upsert(asResourceBody({ id: snapshot.name, ...snapshot }))));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('Cosmos DB snapshot store is closed');
  }
}
