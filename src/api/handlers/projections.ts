import { ProjectionParams, ResumeQuery } from '../projectionSchemas.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { queryObject, validate } from '../validation.ts';

/** `GET /api/projections`: status, position and lag of every projection and reactor in this region. */
export const listProjections = async (_request: ApiRequest, services: ApiServices): Promise<ApiResponse> => ({
  status: 200,
  body: { projections: await services.consumers.entries() },
});

/** `POST /api/projections/{name}/rebuild`: replay the log into a new generation, then switch to it. */
export const rebuildProjection = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [ProjectionParams, request.params] });
  return { status: 202, body: await services.consumers.requestRebuild(path.name) };
};

/** `POST /api/projections/{name}/resume[?skip=true]`: retry the event a consumer halted on, or skip it. */
export const resumeProjection = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, query } = validate({ path: [ProjectionParams, request.params], query: [ResumeQuery, queryObject(request.query)] });
  return { status: 202, body: await services.consumers.resume(path.name, { skip: query.skip === 'true' }) };
};

/** `POST /api/projections/{name}/pause`: a reactor stops taking events, keeping its place, until resumed. */
export const pauseConsumer = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [ProjectionParams, request.params] });
  return { status: 202, body: await services.consumers.pause(path.name) };
};
