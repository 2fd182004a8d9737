import type { StoredViewDocument, ViewDocument, ViewRef, ViewStore, ViewWrite, WriteCondition } from '../../core/index.ts';

/**
 * A ViewStore that remembers the documents it last read or wrote, so the runtime does not read back
 * what it has just written. Safe under other writers: every write stays conditional on the etag, a
 * stale entry makes the write fail, and the failure evicts the entry so the retry reads the store.
 * Documents are shared, not copied: the runtime never mutates what it reads (reducers get a copy).
 */
export const cachedViewStore = (store: ViewStore, capacity: number): ViewStore => {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  const entries = new Map<string, StoredViewDocument | undefined>();
  const idOf = (view: string, key: string): string => `${view}\u0000${key}`;
  const remember = (id: string, document: StoredViewDocument | undefined): void => {
    entries.delete(id);
    entries.set(id, document);
    if (entries.size > capacity) entries.delete(entries.keys().next().value!);
  };
  /** A refused write means another writer changed the document: forget it, so the retry reads the store. */
  const written = (document: ViewDocument, etag: string | undefined): void => {
    const id = idOf(document.view, document.key);
    if (etag === undefined) entries.delete(id);
    else remember(id, { ...document, etag });
  };
  return {
    kind: store.kind,
    getIfChanged: (view, key, etag) => store.getIfChanged(view, key, etag),
    get: async (view, key) => {
      const id = idOf(view, key);
      if (entries.has(id)) {
        const found = entries.get(id);
        remember(id, found);
        return found;
      }
      const found = await store.get(view, key);
      remember(id, found);
      return found;
    },
    getMany: async (refs: readonly ViewRef[]) => {
      const found = new Array<StoredViewDocument | undefined>(refs.length);
      const missing: number[] = [];
      refs.forEach(({ view, key }, index) => {
        const id = idOf(view, key);
        if (!entries.has(id)) return void missing.push(index);
        found[index] = entries.get(id);
        remember(id, found[index]);
      });
      if (missing.length === 0) return found;
      const read = await store.getMany(missing.map((index) => refs[index]!));
      missing.forEach((index, i) => {
        found[index] = read[i];
        remember(idOf(refs[index]!.view, refs[index]!.key), read[i]);
      });
      return found;
    },
    put: async (document: ViewDocument, condition: WriteCondition) => {
      const etag = await store.put(document, condition);
      written(document, etag);
      return etag;
    },
    putMany: async (writes: readonly ViewWrite[]) => {
      const etags = await store.putMany(writes);
      writes.forEach(({ document }, index) => written(document, etags[index]));
      return etags;
    },
    delete: async (view, key) => {
      entries.delete(idOf(view, key));
      await store.delete(view, key);
    },
    dropView: async (view) => {
      for (const id of [...entries.keys()]) if (id.startsWith(`${view}\u0000`)) entries.delete(id);
      await store.dropView(view);
    },
  };
};
