import type {
  CheckpointStore,
  ConsumerGroupStore,
  ConsumerState,
  GroupState,
  ProjectionStorage,
  StoredConsumerState,
  StoredGroupState,
  StoredViewDocument,
  ViewDocument,
  ViewRef,
  ViewStore,
  ViewWrite,
  WriteCondition,
} from '../../core/index.ts';
import { memoryViewQueries } from './memoryQueries.ts';

/** Applies a write condition to what is stored; the shared rule of both memory stores. */
const conditionHolds = (current: { etag: string } | undefined, condition: WriteCondition): boolean =>
  'absent' in condition ? current === undefined : current?.etag === condition.etag;

const documentId = (view: string, key: string): string => JSON.stringify([view, key]);

export class MemoryViewStore implements ViewStore {
  readonly kind = 'memory';
  private readonly documents = new Map<string, StoredViewDocument>();
  private version = 0;

  async get(view: string, key: string): Promise<StoredViewDocument | undefined> {
    const found = this.documents.get(documentId(view, key));
    return found === undefined ? undefined : structuredClone(found);
  }

  async getIfChanged(view: string, key: string, etag: string): Promise<StoredViewDocument | 'unchanged' | undefined> {
    return this.documents.get(documentId(view, key))?.etag === etag ? 'unchanged' : this.get(view, key);
  }

  async put(document: ViewDocument, condition: WriteCondition): Promise<string | undefined> {
    const id = documentId(document.view, document.key);
    if (!conditionHolds(this.documents.get(id), condition)) return undefined;
    const etag = String(++this.version);
    this.documents.set(id, { ...structuredClone(document), etag });
    return etag;
  }

  async getMany(refs: readonly ViewRef[]): Promise<Array<StoredViewDocument | undefined>> {
    return Promise.all(refs.map(({ view, key }) => this.get(view, key)));
  }

  async putMany(writes: readonly ViewWrite[]): Promise<Array<string | undefined>> {
    const etags: Array<string | undefined> = [];
    for (const { document, condition } of writes) etags.push(await this.put(document, condition));
    return etags;
  }

  async delete(view: string, key: string): Promise<void> {
    this.documents.delete(documentId(view, key));
  }

  async dropView(view: string): Promise<void> {
    for (const [id, document] of this.documents) if (document.view === view) this.documents.delete(id);
  }

  /** Every stored document, for tests that compare whole views. */
  snapshot(): StoredViewDocument[] {
    return [...this.documents.values()].map((d) => structuredClone(d));
  }
}

/** Named records written conditionally on their etag: consumers' states, consumer groups. */
class MemoryRecords<S> {
  private readonly records = new Map<string, { state: S; etag: string }>();
  private version = 0;

  async get(name: string): Promise<{ state: S; etag: string } | undefined> {
    const found = this.records.get(name);
    return found === undefined ? undefined : structuredClone(found);
  }

  async put(name: string, state: S, condition: WriteCondition): Promise<string | undefined> {
    if (!conditionHolds(this.records.get(name), condition)) return undefined;
    const etag = String(++this.version);
    this.records.set(name, { state: structuredClone(state), etag });
    return etag;
  }

  names(): string[] {
    return [...this.records.keys()].sort();
  }
}

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly records = new MemoryRecords<ConsumerState>();

  get(projection: string): Promise<StoredConsumerState | undefined> {
    return this.records.get(projection);
  }

  put(state: ConsumerState, condition: WriteCondition): Promise<string | undefined> {
    return this.records.put(state.consumer, state, condition);
  }
}

export class MemoryGroupStore implements ConsumerGroupStore {
  private readonly records = new MemoryRecords<GroupState>();

  get(group: string): Promise<StoredGroupState | undefined> {
    return this.records.get(group);
  }

  put(state: GroupState, condition: WriteCondition): Promise<string | undefined> {
    return this.records.put(state.group, state, condition);
  }

  async list(): Promise<string[]> {
    return this.records.names();
  }
}

/** Views and checkpoints in process memory, beside the memory event store. */
export const openMemoryProjectionStorage = (): ProjectionStorage & { views: MemoryViewStore } => {
  const views = new MemoryViewStore();
  return {
    views,
    checkpoints: new MemoryCheckpointStore(),
    queries: memoryViewQueries(() => views.snapshot()),
    groups: new MemoryGroupStore(),
    close: async () => {},
  };
};
