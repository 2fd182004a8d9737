import { createHash } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import {
  ConsumerState,
  mapLimited,
  StoreUnavailableError,
  type CheckpointStore,
  type JsonObject,
  type StoredConsumerState,
  type StoredViewDocument,
  type ViewDocument,
  type ViewFields,
  type ViewRef,
  type ViewStore,
  type ViewWrite,
  type WriteCondition,
} from '../../core/index.ts';
import { writeInBulk } from './bulkWrites.ts';
import { deleteDocument, readDocument, readDocumentIfChanged, writeDocument } from './conditionalWrites.ts';
import { deadlineOf } from './deadline.ts';
import { mapCosmosErrors } from './errors.ts';

// Views and projection checkpoints in the `views` container of the region-local account (partition
// key /id, one document per partition: every access is a point operation by id).

export const VIEW_KIND = 'view';
const PROJECTION_KIND = 'projectionState';
/** Point operations in flight at once for one call (a batch's reads and writes, a dropped generation's deletes). */
const CONCURRENCY = 16;
/**
 * From this many writes in one call, they go as one bulk execution instead of point writes. Measured on
 * the Cosmos DB test account (same request units either way): 100 writes took 0.27 s as point writes and
 * 1.0 s in bulk (3 requests instead of 100; the SDK waits 1 s for partial batches), 500 took 0.8-1.2 s
 * either way (7 requests instead of 500), 1,000 took 1.75 s and 1.15 s (11 instead of 1,000). Live
 * batches write a few documents and stay point writes; catching up and rebuilding go in bulk.
 */
export const DEFAULT_BULK_FROM = 500;

/**
 * Item ids may not hold / \ ? # and are at most 255 characters, while view keys may; so the id is the
 * stored view name and a digest of the key. The document keeps view and key as they are.
 */
export const viewDocumentId = (view: string, key: string): string =>
  `${view}|${createHash('sha256').update(key, 'utf8').digest('base64url')}`;

const projectionDocumentId = (projection: string): string => `$projection|${projection}`;

interface StoredView extends ViewDocument {
  id: string;
  kind: typeof VIEW_KIND;
  /** Copies of the declared queryable fields of `data`: `/data/*` is not indexed, this is (see cosmosViewQueries). */
  queryable?: JsonObject;
}

/** The declared fields a document's data holds, copied beside it where the index reaches them. */
const queryableOf = (data: JsonObject | null, fields: ViewFields): JsonObject | undefined => {
  if (data === null) return undefined;
  const copied = Object.fromEntries(Object.keys(fields).filter((field) => Object.hasOwn(data, field)).map((field) => [field, data[field]]));
  return Object.keys(copied).length === 0 ? undefined : (copied as JsonObject);
};

const storedView = (document: ViewDocument, fields: ViewFields): StoredView => {
  const queryable = queryableOf(document.data, fields);
  return { id: viewDocumentId(document.view, document.key), kind: VIEW_KIND, ...document, ...(queryable === undefined ? {} : { queryable }) };
};

class Closable {
  protected closed = false;
  protected assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('Cosmos DB projection storage is closed');
  }
  markClosed(): void {
    this.closed = true;
  }
}

export class CosmosViewStore extends Closable implements ViewStore {
  readonly kind = 'cosmos';
  private readonly container: Container;
  private readonly bulkFrom: number;
  /** Fields views declare queryable (set once the app's projections are known). */
  private readonly queryableFields: () => ViewFields;

  /**
   * `bulkFrom`: the number of writes in one `putMany` from which they go as one bulk execution;
   * `queryableFields`: the fields copied beside each document's data for view queries.
   */
  constructor(container: Container, options: { bulkFrom?: number; queryableFields?: () => ViewFields } = {}) {
    super();
    this.container = container;
    this.bulkFrom = options.bulkFrom ?? DEFAULT_BULK_FROM;
    this.queryableFields = options.queryableFields ?? (() => ({}));
  }

  async get(view: string, key: string): Promise<StoredViewDocument | undefined> {
    this.assertOpen();
    const id = viewDocumentId(view, key);
    const found = await readDocument(this.container, id, id);
    return found === undefined ? undefined : this.toView(found);
  }

  async getIfChanged(view: string, key: string, etag: string): Promise<StoredViewDocument | 'unchanged' | undefined> {
    this.assertOpen();
    const id = viewDocumentId(view, key);
    const found = await readDocumentIfChanged(this.container, id, id, etag);
    return found === undefined || found === 'unchanged' ? found : this.toView(found);
  }

  private toView(found: Record<string, unknown> & { _etag: string }): StoredViewDocument {
    return {
      view: found.view as string,
      key: found.key as string,
      data: found.data as JsonObject | null,
      positions: found.positions as Record<string, number>,
      updatedAt: found.updatedAt as string,
      etag: found._etag,
    };
  }

  async put(document: ViewDocument, condition: WriteCondition): Promise<string | undefined> {
    this.assertOpen();
    const stored = storedView(document, this.queryableFields());
    return writeDocument(this.container, stored, stored.id, condition);
  }

  /** Point reads (1 RU each for a small document), several in flight: one document per partition leaves nothing cheaper. */
  async getMany(refs: readonly ViewRef[]): Promise<Array<StoredViewDocument | undefined>> {
    this.assertOpen();
    return mapLimited(refs, CONCURRENCY, ({ view, key }) => this.get(view, key));
  }

  /** Point writes, several in flight; from `bulkFrom` writes on, one bulk execution (the same conditions, fewer requests). */
  async putMany(writes: readonly ViewWrite[]): Promise<Array<string | undefined>> {
    this.assertOpen();
    if (writes.length < this.bulkFrom) return mapLimited(writes, CONCURRENCY, ({ document, condition }) => this.put(document, condition));
    return writeInBulk(
      this.container,
      writes.map(({ document, condition }) => {
        const stored = storedView(document, this.queryableFields());
        return { document: stored, partitionKey: stored.id, condition };
      }),
    );
  }

  async delete(view: string, key: string): Promise<void> {
    this.assertOpen();
    const id = viewDocumentId(view, key);
    await deleteDocument(this.container, id, id);
  }

  /** A cross-partition query for the ids, then point deletes: run when a rebuild retires a generation. */
  async dropView(view: string): Promise<void> {
    this.assertOpen();
    const ids = await mapCosmosErrors('query', () =>
      deadlineOf()(async () => {
        const { resources } = await this.container.items
          .query<string>({ query: 'SELECT VALUE c.id FROM c WHERE c.kind = @kind AND c.view = @view', parameters: [{ name: '@kind', value: VIEW_KIND }, { name: '@view', value: view }] })
          .fetchAll();
        return resources;
      }),
    );
    await mapLimited(ids, CONCURRENCY, (id) => deleteDocument(this.container, id, id));
  }
}

export class CosmosCheckpointStore extends Closable implements CheckpointStore {
  private readonly container: Container;
  /** Each record as this store last read or wrote it: a change tried against it saves the read (see lastKnown). */
  private readonly known = new Map<string, StoredConsumerState>();

  constructor(container: Container) {
    super();
    this.container = container;
  }

  async get(projection: string): Promise<StoredConsumerState | undefined> {
    this.assertOpen();
    const id = projectionDocumentId(projection);
    const found = await readDocument(this.container, id, id);
    const stored = found === undefined ? undefined : { state: ConsumerState.parse(found.state), etag: found._etag };
    this.remember(projection, stored);
    return stored;
  }

  async put(state: ConsumerState, condition: WriteCondition): Promise<string | undefined> {
    this.assertOpen();
    const id = projectionDocumentId(state.consumer);
    const etag = await writeDocument(this.container, { id, kind: PROJECTION_KIND, projection: state.consumer, state }, id, condition);
    this.remember(state.consumer, etag === undefined ? undefined : { state, etag });
    return etag;
  }

  lastKnown(consumer: string): StoredConsumerState | undefined {
    return this.known.get(consumer);
  }

  private remember(consumer: string, stored: StoredConsumerState | undefined): void {
    if (stored === undefined) this.known.delete(consumer);
    else this.known.set(consumer, stored);
  }
}
