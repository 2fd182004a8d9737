import { badRequest, notFound, problemResponse, registerOperations, unavailable } from '../api/openapi.ts';
import { problem, registerProblemMapper } from '../api/problem.ts';
import { ProjectionEntry, ProjectionParams } from '../api/projectionSchemas.ts';
import type { ApiServices } from '../api/services.ts';
import type { ApiRequest, ApiResponse, Route } from '../api/types.ts';
import { validate } from '../api/validation.ts';
import { UnknownProjectionError } from '../projections/errors.ts';
import { ReactorHeldError, ReactorNotRebuildableError } from './reactorRunner.ts';

registerProblemMapper((error) => {
  if (error instanceof ReactorNotRebuildableError) return problem(409, 'not-rebuildable', 'Reactors cannot be rebuilt', error.message);
  if (error instanceof ReactorHeldError)
    return problem(503, 'reactor-held', 'Reactor not taking events', error.message, {}, { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) });
  return undefined;
});

registerOperations({
  pauseProjection: {
    summary: 'Pause a reactor',
    description: 'The reactor (a side-effect consumer, such as the activation mail) takes no events until resumed, keeping its place in the log.',
    tags: ['projections'],
    request: { params: ProjectionParams },
    responses: {
      202: { description: 'Paused.', content: { 'application/json': { schema: ProjectionEntry } } },
      400: badRequest,
      404: notFound('No such reactor or projection.'),
      409: problemResponse('`not-pausable`: a projection, not a reactor.'),
      503: unavailable,
    },
  },
});

/** `POST /api/projections/{name}/pause`: a reactor stops taking events, keeping its place, until resumed. */
export const pauseConsumer = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [ProjectionParams, request.params] });
  const reactor = services.reactors?.get(path.name);
  if (reactor !== undefined) return { status: 202, body: await reactor.pause() };
  if (services.projections.names.includes(path.name))
    return problem(409, 'not-pausable', 'Projections cannot be paused', `${path.name} is a projection; only reactors (side-effect consumers) can be paused`);
  throw new UnknownProjectionError(path.name);
};

export const reactorRoutes: Route<ApiServices>[] = [
  { name: 'pauseProjection', method: 'POST', route: 'projections/{name}/pause', authLevel: 'admin', handle: pauseConsumer },
];
