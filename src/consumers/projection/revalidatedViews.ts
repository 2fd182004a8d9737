import type { StoredViewDocument, ViewStore } from '../../core/index.ts';

/**
 * The API's reads of hot view documents: the last version read of each (least recently used dropped
 * past `capacity`), revalidated by etag on every read, so an unchanged document costs no body (a 304
 * in Cosmos DB, no parse in SQLite) and a changed one is read in full. Never answers from memory alone.
 */
export class RevalidatedViews {
  readonly stats = { hits: 0, misses: 0 };
  private readonly store: ViewStore;
  private readonly capacity: number;
  private readonly documents = new Map<string, StoredViewDocument>();

  constructor(store: ViewStore, capacity: number) {
    this.store = store;
    this.capacity = capacity;
  }

  async read(view: string, key: string): Promise<StoredViewDocument | undefined> {
    const id = `${view}\u0000${key}`;
    const held = this.documents.get(id);
    const found = held === undefined ? await this.store.get(view, key) : await this.store.getIfChanged(view, key, held.etag);
    if (found === 'unchanged') {
      this.stats.hits++;
      this.remember(id, held!);
      return held;
    }
    this.stats.misses++;
    if (found === undefined) this.documents.delete(id);
    else this.remember(id, found);
    return found;
  }

  private remember(id: string, document: StoredViewDocument): void {
    this.documents.delete(id);
    this.documents.set(id, document);
    if (this.documents.size > this.capacity) this.documents.delete(this.documents.keys().next().value!);
  }
}
