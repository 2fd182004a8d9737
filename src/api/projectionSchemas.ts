import { z } from 'zod';
import { ConsumerEntry, ProjectionName, ViewKey, ViewName } from '../core/index.ts';
import { ConsistencyQuery } from './schemas.ts';

// Request and response shapes of the views and projections routes.

export const ViewParams = z.object({ view: ViewName, key: ViewKey });

export const ViewQuery = ConsistencyQuery.extend({
  /** `central`: a view kept from one stream may be answered from the log itself when this region's views cannot answer. */
  fallback: z.enum(['central'], { error: 'fallback must be central' }).optional(),
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
