import { z } from 'zod';
import { ConsumerEntry, ProjectionName, ViewKey, ViewName } from '../core/index.ts';

// Request and response shapes of the views and projections routes.

export const DEFAULT_VIEW_WAIT_MS = 5_000;
export const MAX_VIEW_WAIT_MS = 30_000;

export const ViewParams = z.object({ view: ViewName, key: ViewKey });

export const ViewQuery = z.object({
  atLeast: z.string().min(1, 'atLeast must not be empty').optional(),
  wait: z
    .string()
    .regex(/^[0-9]{1,6}$/, 'wait must be a whole number of milliseconds')
    .transform(Number)
    .pipe(z.number().int().max(MAX_VIEW_WAIT_MS, `wait must be at most ${MAX_VIEW_WAIT_MS}`))
    .optional(),
});

export const ViewResponse = z.object({
  view: ViewName,
  key: ViewKey,
  region: z.string(),
  data: z.record(z.string(), z.unknown()),
  updatedAt: z.iso.datetime(),
});

export const ProjectionParams = z.object({ name: ProjectionName });

export const ResumeQuery = z.object({
  skip: z.enum(['true', 'false'], { error: 'skip must be true or false' }).optional(),
});

/** A projection or reactor as `GET /api/projections` lists it: the runtime's own entry shape. */
export const ProjectionEntry = ConsumerEntry;

export const ProjectionsResponse = z.object({ projections: z.array(ProjectionEntry) });
