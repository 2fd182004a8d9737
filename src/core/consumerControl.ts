import { z } from 'zod';
import type { ConsistencyPoint } from './consistencyToken.ts';
import type { EventStore } from './ports.ts';
import { DivergenceState, HaltRecord, SkipRecord, type StoredViewDocument } from './consumerStores.ts';
import { ProjectionName } from './projection.ts';

// The port between the API and a host's consumers. A consumer is listed by `GET /api/projections` in
// this entry shape: the runtime builds it and the API documents and answers exactly it.

export const ConsumerStatus = z.enum(['running', 'halted', 'rebuilding']);
export type ConsumerStatus = z.infer<typeof ConsumerStatus>;

export const ConsumerEntry = z
  .object({
    name: ProjectionName,
    kind: z.enum(['projection', 'reactor']),
    status: ConsumerStatus,
    /** Where the serving views are: the global log position locally, events applied where there is no global log. */
    position: z.number().int(),
    /** Events behind the head of the log; null where the host cannot know the head (the Cosmos DB change feed). */
    lag: z.number().int().nullable(),
    lastError: z.string().optional(),
    version: z.number().int(),
    generation: z.number().int(),
    eventsApplied: z.number().int(),
    /** Documents of the events container that were not events, passed over (see docs/projections.md). */
    ignoredDocuments: z.number().int(),
    /** Reactors only: held by an operator (status is then `halted`). */
    paused: z.boolean().optional(),
    /** Projections only, once any was found: events whose position the views had applied under another id, and the repairs. */
    divergence: DivergenceState.optional(),
    halt: HaltRecord.optional(),
    skipped: z.array(SkipRecord),
    rebuild: z
      .object({
        generation: z.number().int(),
        position: z.number().int(),
        lag: z.number().int().nullable(),
        eventsApplied: z.number().int(),
        startedAt: z.iso.datetime(),
        switching: z.boolean(),
      })
      .optional(),
  })
  // A reactor adds its own status (the state of its circuit breaker, its mailer).
  .catchall(z.unknown());
export type ConsumerEntry = z.infer<typeof ConsumerEntry>;

/** Where a view read was answered from: this region's views, or the log itself (folded in the write region). */
export type ViewSource = 'views' | 'central';

export type ViewRead =
  | { kind: 'found'; document: StoredViewDocument; source: ViewSource }
  | { kind: 'absent'; source: ViewSource }
  | { kind: 'not-caught-up'; projection: string; status: ConsumerStatus; appliedSequence: number };

export interface ReadViewOptions {
  atLeast?: ConsistencyPoint;
  waitMs: number;
  fallback?: EventStore;
}

/** What the views and projections routes use of a host's consumers (projections and reactors): the port the API needs. */
export interface ConsumerControl {
  entries(): Promise<ConsumerEntry[]>;
  entry(name: string): Promise<ConsumerEntry>;
  /** Clears a halt (and a reactor's pause); with `skip`, the halting event is recorded as skipped. */
  resume(name: string, options: { skip: boolean }): Promise<ConsumerEntry>;
  /** Projections only: replay the log into a new generation, then switch. */
  requestRebuild(name: string): Promise<ConsumerEntry>;
  /** Reactors only: take no events, keeping the place in the log, until resumed. */
  pause(name: string): Promise<ConsumerEntry>;
  /**
   * A view document; with `atLeast`, waits up to `waitMs` for this region's projection to apply that
   * write. With `fallback` (the log), a view kept from one stream is folded from the log instead when
   * this region's views are unreachable or not caught up in time.
   */
  readView(view: string, key: string, options: ReadViewOptions): Promise<ViewRead>;
}
