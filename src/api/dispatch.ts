import type { Logger } from '../core/index.ts';
import { problemFromError } from './problem.ts';
import type { ApiRequest, ApiResponse, Route } from './types.ts';

/** Runs a route's handler; every thrown error becomes a problem response, and unexpected ones are logged. */
export const dispatch = async <S>(route: Route<S>, request: ApiRequest, services: S, logger: Logger): Promise<ApiResponse> => {
  try {
    return await route.handle(request, services);
  } catch (error) {
    const response = problemFromError(error);
    if (response.status >= 500 && response.status !== 503)
      logger.error(`${route.name} failed`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return response;
  }
};
