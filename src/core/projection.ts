import { z } from 'zod';
import type { EventEnvelope, JsonObject, StreamRef } from './envelope.ts';
import type { Upcasters } from './upcast.ts';
import { invalidFieldNames, type ViewFields } from './viewQuery.ts';

// A projection turns the log into read views. Delivery is at least once and ordered per stream only,
// so reducers must be pure and commute across streams: the runtime drops redelivered events per
// stream, but it cannot order two streams for you (a comment may arrive before its post).

/** Names a projection in routes, lease prefixes (`{region}-{name}`) and function names. */
export const ProjectionName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and - (at most 40), starting with a letter');

/** Names a view in `/api/views/{view}/{key}`; unique across all projections. */
export const ViewName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must start with a letter and contain only letters, digits and _ (at most 64)');

/** A view document's key: anything a URL path segment and a Cosmos DB item id can both carry. */
export const ViewKey = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[^/\\?#\u0000-\u001f\u007f]+$/, 'must not contain / \\ ? # or control characters');

export interface ViewDefinition<TData extends JsonObject = JsonObject> {
  name: string;
  /** Keys of the documents this event touches; none when the event does not concern this view. */
  keysOf(event: EventEnvelope): readonly string[];
  /**
   * The document after the event, from the current one (undefined when absent or deleted).
   * Returning null deletes it; the runtime keeps a tombstone so a redelivered older event cannot bring
   * it back. To let a delete win over events that arrive later from other streams (a late comment on a
   * deleted post), keep the document with `deleted: true` instead: the views API answers it as absent.
   */
  reduce(current: TData | undefined, event: EventEnvelope, key: string): TData | null;
  /**
   * For a view whose document for `key` is made from the events of one stream only: that stream. A
   * read may then be answered from the log itself (`fallback=central`) when this region's views are
   * unreachable or behind, by folding that stream.
   */
  streamOf?(key: string): StreamRef | undefined;
  /**
   * Top-level fields of `data` that `GET /api/views/{view}` may filter and sort on, with their types.
   * Each store indexes them (SQLite expression indexes, Cosmos DB included paths); others are refused.
   */
  fields?: ViewFields;
}

export interface ProjectionDefinition {
  name: string;
  /** Bump it when the reducers change meaning: the runtime then rebuilds the views from the log. */
  version: number;
  /** Event types it handles (current names, after upcasting); 'all' for every type. Other events only advance its positions. */
  eventTypes: readonly string[] | 'all';
  /** Lift events written in older shapes before the reducers see them (the log itself is never rewritten). */
  upcasters?: Upcasters;
  views: readonly ViewDefinition[];
}

/** Declares a view with typed documents; the runtime stores them as plain JSON objects. */
export const defineView = <TData extends JsonObject>(view: ViewDefinition<TData>): ViewDefinition =>
  view as unknown as ViewDefinition;

const problemsOf = (projection: ProjectionDefinition): string[] => {
  const problems: string[] = [];
  const name = ProjectionName.safeParse(projection.name);
  if (!name.success) problems.push(`name "${projection.name}" ${name.error.issues[0]!.message}`);
  if (!Number.isSafeInteger(projection.version) || projection.version < 1) problems.push('version must be an integer >= 1');
  if (projection.views.length === 0) problems.push('needs at least one view');
  const seen = new Set<string>();
  for (const view of projection.views) {
    const viewName = ViewName.safeParse(view.name);
    if (!viewName.success) problems.push(`view "${view.name}" ${viewName.error.issues[0]!.message}`);
    if (seen.has(view.name)) problems.push(`view "${view.name}" is declared twice`);
    for (const field of invalidFieldNames(view.fields ?? {})) problems.push(`view "${view.name}" field "${field}" is not a valid field name`);
    seen.add(view.name);
  }
  return problems;
};

/** Checks names and versions once, at definition time, so a typo fails the start rather than a batch. */
export const defineProjection = (projection: ProjectionDefinition): ProjectionDefinition => {
  const problems = problemsOf(projection);
  if (problems.length > 0) throw new Error(`projection ${projection.name}: ${problems.join('; ')}`);
  return Object.freeze({ ...projection, views: Object.freeze([...projection.views]) });
};

/**
 * Checks the names of the consumers (projections and reactors) that run together: each is a valid
 * name, used once, and none starts another, since Cosmos DB lease prefixes `{region}-{name}` are
 * matched by prefix.
 */
export const checkConsumerNames = (names: readonly string[]): void => {
  for (const name of names) {
    const valid = ProjectionName.safeParse(name);
    if (!valid.success) throw new Error(`consumer name "${name}" ${valid.error.issues[0]!.message}`);
    for (const other of names) {
      if (other === name) continue;
      if (other.startsWith(name)) throw new Error(`consumer names ${name} and ${other} clash: one starts the other`);
    }
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`two consumers are named ${name}`);
    seen.add(name);
  }
};

/**
 * Checks a set of projections that run together: each is well defined, view names are unique (the
 * API addresses views without their projection), and their names pass `checkConsumerNames`.
 */
export const checkProjectionCatalog = (projections: readonly ProjectionDefinition[]): void => {
  const views = new Map<string, string>();
  for (const projection of projections) {
    const problems = problemsOf(projection);
    if (problems.length > 0) throw new Error(`projection ${projection.name}: ${problems.join('; ')}`);
    for (const view of projection.views) {
      const owner = views.get(view.name);
      if (owner !== undefined) throw new Error(`view ${view.name} is declared by both ${owner} and ${projection.name}`);
      views.set(view.name, projection.name);
    }
  }
  checkConsumerNames(projections.map((p) => p.name));
};

export const handlesEvent = (projection: ProjectionDefinition, event: EventEnvelope): boolean =>
  projection.eventTypes === 'all' || projection.eventTypes.includes(event.type);

/** What the views API answers as absent: a deleted document, or one a reducer marked `deleted: true`. */
export const isAbsentView = (data: JsonObject | null | undefined): boolean =>
  data === null || data === undefined || data.deleted === true;
