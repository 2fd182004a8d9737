import type { StoredViewDocument, ViewDocument, ViewStore, WriteCondition } from '../../core/index.ts';

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
    put: async (document: ViewDocument, condition: WriteCondition) => {
      const id = idOf(document.view, document.key);
      const etag = await store.put(document, condition);
      if (etag === undefined) entries.delete(id);
      else remember(id, { ...document, etag });
      return etag;
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
