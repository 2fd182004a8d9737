import { notFoundProblem, problem } from '../problem.ts';
import { ViewParams, ViewQuery } from '../projectionSchemas.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { queryObject, validate } from '../validation.ts';
import { consistencyOf } from './consistency.ts';

/** `GET /api/views/{view}/{key}?atLeast=&wait=`: read-your-writes against this region's views. */
export const getView = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, query } = validate({ path: [ViewParams, request.params], query: [ViewQuery, queryObject(request.query)] });
  const { atLeast, waitMs } = consistencyOf(query);
  const read = await services.consumers.readView(path.view, path.key, { atLeast, waitMs });
  if (read.kind === 'not-caught-up')
    return problem(
      503,
      'view-not-caught-up',
      'View not caught up',
      `projection ${read.projection} in region ${services.region} has applied stream ${atLeast!.streamId} up to sequence ${read.appliedSequence}, not ${atLeast!.sequence}, after waiting ${waitMs} ms (status: ${read.status})`,
      { view: path.view, key: path.key, region: services.region, projection: read.projection, projectionStatus: read.status },
      { 'retry-after': '1' },
    );
  if (read.kind === 'absent') return notFoundProblem(`view ${path.view} has no document ${path.key} in region ${services.region}`);
  const { document } = read;
  return {
    status: 200,
    body: { view: path.view, key: path.key, region: services.region, data: document.data, updatedAt: document.updatedAt },
  };
};
