import { ViewListParams, ViewListQuery } from '../feedSchemas.ts';
import { notFoundProblem, problem } from '../problem.ts';
import { ViewParams, ViewQuery } from '../projectionSchemas.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { queryObject, validate } from '../validation.ts';
import { consistencyOf } from './consistency.ts';

/** Marks an answer the log gave (folded in the write region) instead of this region's views. */
export const VIEW_SOURCE_HEADER = 'x-eventlog-view-source';

const DEFAULT_VIEW_PAGE = 100;

/** `GET /api/views/{view}/{key}?atLeast=&wait=&fallback=central`: read-your-writes against this region's views. */
export const getView = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, query } = validate({ path: [ViewParams, request.params], query: [ViewQuery, queryObject(request.query)] });
  const { atLeast, waitMs } = consistencyOf(query);
  const fallback = query.fallback === 'central' ? services.eventStore : undefined;
  const read = await services.consumers.readView(path.view, path.key, { atLeast, waitMs, fallback });
  if (read.kind === 'not-caught-up')
    return problem(
      503,
      'view-not-caught-up',
      'View not caught up',
      `projection ${read.projection} in region ${services.region} has applied stream ${atLeast!.streamId} up to sequence ${read.appliedSequence}, not ${atLeast!.sequence}, after waiting ${waitMs} ms (status: ${read.status})`,
      { view: path.view, key: path.key, region: services.region, projection: read.projection, projectionStatus: read.status },
      { 'retry-after': '1' },
    );
  const source: Record<string, string> = read.source === 'central' ? { [VIEW_SOURCE_HEADER]: 'central' } : {};
  if (read.kind === 'absent') {
    const absent = notFoundProblem(`view ${path.view} has no document ${path.key} in region ${services.region}`);
    return { ...absent, headers: { ...absent.headers, ...source } };
  }
  const { document } = read;
  return {
    status: 200,
    headers: source,
    body: { view: path.view, key: path.key, region: services.region, data: document.data, updatedAt: document.updatedAt },
  };
};

/** `GET /api/views/{view}?where=&orderBy=&limit=&continuationToken=`: this region's documents of the view, filtered and sorted on its declared fields. */
export const listView = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, query } = validate({ path: [ViewListParams, request.params], query: [ViewListQuery, queryObject(request.query)] });
  return { status: 200, body: await services.viewQueries.list(path.view, { ...query, limit: query.limit ?? DEFAULT_VIEW_PAGE }) };
};
