import {
  deepFreeze,
  handlesEvent,
  isAbsentView,
  readStreamEvents,
  type EventStore,
  type JsonObject,
  type ProjectionDefinition,
  type ViewRead,
} from '../../core/index.ts';

/**
 * A view document made from the log itself, for a view whose document for `key` comes from one stream
 * (`streamOf`): that stream read in the write region and folded through the view's reducer, as the
 * projection would. Undefined for a view that declares no such stream, or a key that names none.
 */
export const foldFromLog = async (projection: ProjectionDefinition, view: string, key: string, log: EventStore, now: string): Promise<ViewRead | undefined> => {
  const definition = projection.views.find((v) => v.name === view);
  const stream = definition?.streamOf?.(key);
  if (definition === undefined || stream === undefined) return undefined;
  let data: JsonObject | null | undefined;
  for await (const stored of readStreamEvents(log, stream, 1, 1000, { forWrite: true })) {
    const event = projection.upcasters === undefined ? stored : projection.upcasters.upcast(stored);
    if (!handlesEvent(projection, event) || !definition.keysOf(event).includes(key)) continue;
    data = definition.reduce(data === null || data === undefined ? undefined : deepFreeze(data), event, key);
  }
  if (data === undefined || isAbsentView(data)) return { kind: 'absent', source: 'central' };
  return { kind: 'found', source: 'central', document: { view, key, data, positions: {}, updatedAt: now, etag: '' } };
};
