import { problemFromError } from './problem.ts';
import type { ApiRequest, ApiResponse, Route } from './types.ts';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

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
