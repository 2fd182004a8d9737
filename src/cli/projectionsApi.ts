import type { z } from 'zod';
import { ProjectionEntry, ProjectionsResponse } from '../api/projectionSchemas.ts';
import { apiUrlOf, parseAnswer } from '../client/client.ts';
import { DEFAULT_CLIENT_RETRY } from '../client/index.ts';
import { createTransport } from '../client/transport.ts';
import { usageError } from './errors.ts';
import type { HttpOptions } from './options.ts';

export type ProjectionEntry = z.infer<typeof ProjectionEntry>;

/** The projection routes (`GET /api/projections`, `POST .../rebuild|resume`), on the typed client's transport. */
export interface ProjectionsApi {
  list(signal?: AbortSignal): Promise<ProjectionEntry[]>;
  rebuild(name: string): Promise<ProjectionEntry>;
  resume(name: string, skip: boolean): Promise<ProjectionEntry>;
}

export const projectionsApi = (options: HttpOptions): ProjectionsApi => {
  let apiUrl: string;
  try {
    apiUrl = apiUrlOf(options.url);
  } catch (error) {
    throw usageError(`--url: ${(error as Error).message}`);
  }
  const send = createTransport({
    apiUrl,
    apiKey: options.key,
    fetch: globalThis.fetch,
    retry: DEFAULT_CLIENT_RETRY,
    timeoutMs: options.requestTimeout,
  });
  // A second rebuild would start over, so it is sent once.
  const control = async (name: string, action: 'rebuild' | 'resume', idempotent: boolean, query: Record<string, string> = {}) =>
    parseAnswer(await send({ method: 'POST', segments: ['projections', name, action], query, idempotent }), 202, ProjectionEntry);
  return {
    list: async (signal) =>
      parseAnswer(await send({ method: 'GET', segments: ['projections'], idempotent: true, signal }), 200, ProjectionsResponse).projections,
    rebuild: (name) => control(name, 'rebuild', false),
    // A retried skip could skip the next halting event too, so only a plain resume is retried.
    resume: (name, skip) => control(name, 'resume', !skip, skip ? { skip: 'true' } : {}),
  };
};
