import type { z } from 'zod';
import { ProjectionEntry, ProjectionsResponse } from '../api/projectionSchemas.ts';
import { DEFAULT_CLIENT_RETRY, EventLogUnexpectedResponseError } from '../client/index.ts';
import { createTransport, problemErrorOf, type HttpAnswer } from '../client/transport.ts';
import type { HttpOptions } from './options.ts';

export type ProjectionEntry = z.infer<typeof ProjectionEntry>;

/** The projection routes (`GET /api/projections`, `POST .../rebuild|resume`), on the typed client's transport. */
export interface ProjectionsApi {
  list(signal?: AbortSignal): Promise<ProjectionEntry[]>;
  rebuild(name: string): Promise<ProjectionEntry>;
  resume(name: string, skip: boolean): Promise<ProjectionEntry>;
}

const apiUrlOf = (url: string): string => {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/api') ? base : `${base}/api`;
};

const expect = <S extends z.ZodType>(answer: HttpAnswer, status: number, schema: S): z.infer<S> => {
  if (answer.status >= 400) throw problemErrorOf(answer);
  if (answer.status !== status) throw new EventLogUnexpectedResponseError(answer.url, answer.status, `expected HTTP ${status}`);
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new EventLogUnexpectedResponseError(answer.url, answer.status, parsed.error.issues[0]!.message);
  return parsed.data;
};

export const projectionsApi = (options: HttpOptions): ProjectionsApi => {
  const send = createTransport({
    apiUrl: apiUrlOf(options.url),
    apiKey: options.key,
    fetch: globalThis.fetch,
    retry: DEFAULT_CLIENT_RETRY,
    timeoutMs: options.requestTimeout,
  });
  // A second rebuild would start over, so it is sent once.
  const control = async (name: string, action: 'rebuild' | 'resume', idempotent: boolean, query: Record<string, string> = {}) =>
    expect(await send({ method: 'POST', segments: ['projections', name, action], query, idempotent }), 202, ProjectionEntry);
  return {
    list: async (signal) =>
      expect(await send({ method: 'GET', segments: ['projections'], idempotent: true, signal }), 200, ProjectionsResponse).projections,
    rebuild: (name) => control(name, 'rebuild', false),
    // A retried skip could skip the next halting event too, so only a plain resume is retried.
    resume: (name, skip) => control(name, 'resume', !skip, skip ? { skip: 'true' } : {}),
  };
};
