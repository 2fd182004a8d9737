import { z } from 'zod';
import { appendEvents } from './appendEvents.ts';
import { ProblemError } from './errors.ts';
import type { EventStore } from './ports.ts';
import { SubjectId } from './personalData.ts';
import type { SubjectKeyStore } from './subjectKeys.ts';

// Erasing a data subject (GDPR Art. 17) in a log that is never rewritten: the subject's key is deleted,
// so every value sealed with it reads as ERASED from then on; the erasure itself is an event of the
// log, `DataSubjectErased` in `DataSubject-{subjectId}`, which views may react to.

export const DATA_SUBJECT = 'DataSubject';
export const dataSubjectStream = (subjectId: string) => ({ aggregateType: DATA_SUBJECT, aggregateId: subjectId });

// Events: these reflect the storage format; version with care.
export const DataSubjectEvents = {
  DataSubjectErased: z.object({ subjectId: SubjectId }),
};

/** A problem about one data subject: its id in the detail and as the problem's `subjectId` member. */
const SubjectProblem = (code: string, status: number, title: string, detail: (subjectId: string) => string) =>
  class extends ProblemError(code, status, title) {
    readonly subjectId: string;
    constructor(subjectId: string) {
      super(detail(subjectId));
      this.subjectId = subjectId;
    }
    override problemDetails(): Record<string, unknown> {
      return { subjectId: this.subjectId };
    }
  };

export class UnknownSubjectError extends SubjectProblem('unknown-subject', 404, 'Unknown data subject', (id) => `no personal data is kept for subject ${id}: nothing to erase`) {}

export class SubjectAlreadyErasedError extends SubjectProblem('subject-already-erased', 409, 'Data subject already erased', (id) => `subject ${id} was erased before; nothing changed`) {}

/** New personal data for a subject that was erased: refused, since its key is gone for good. */
export class SubjectErasedError extends SubjectProblem('subject-erased', 409, 'Data subject erased', (id) => `subject ${id} was erased: no new personal data is kept for it`) {}

/** Whether the log records the subject's erasure (reads where writes are decided). */
export const isSubjectErased = async (store: EventStore, subjectId: string): Promise<boolean> =>
  (await store.readStream(dataSubjectStream(subjectId), { fromVersion: 1, limit: 1, forWrite: true })) !== undefined;

/** Work a module does while the subject's key still exists (the reference domain frees the user's email address). */
export type BeforeErasure = (subjectId: string, context: { store: EventStore; region: string }) => Promise<void>;

export interface ErasureContext {
  store: EventStore;
  /** The key store itself, not a cache in front of it: whether a key exists must be today's answer. */
  keys: SubjectKeyStore;
  region: string;
  /** Called once the key is gone (a cache drops its copies). */
  onErased?: (subjectId: string) => void;
  beforeErasure: readonly BeforeErasure[];
}

/** What an erasure answers: the subject, and where its erasure event is (a view that reacts to it reads `atLeast` this token). */
export const ErasureOutcome = z.object({
  subjectId: SubjectId,
  erased: z.literal(true),
  streamId: z.string(),
  version: z.number().int(),
  recordedAt: z.iso.datetime(),
  consistencyToken: z.string(),
});
export type ErasureOutcome = z.infer<typeof ErasureOutcome>;

/**
 * Erases a subject. The steps are ordered so that a crash between any two leaves a state the next call
 * finishes: the modules' work (idempotent), the event (once: `no_stream`), the key (deleted last, so a
 * retry still finds something to finish). Unknown subject: 404; erased before: 409; nothing changes.
 */
export const eraseSubject = async (context: ErasureContext, subjectId: string): Promise<ErasureOutcome> => {
  const [recorded, key] = await Promise.all([
    context.store.readStream(dataSubjectStream(subjectId), { fromVersion: 1, limit: 1, forWrite: true }),
    context.keys.current(subjectId),
  ]);
  if (key === undefined) {
    if (recorded === undefined) throw new UnknownSubjectError(subjectId);
    // An earlier erasure may have deleted the key but not purged it (Key Vault): finish that, then answer
    // what is true of the subject. A purge that still fails leaves the key to the vault's retention.
    await context.keys.erase(subjectId).catch(() => false);
    throw new SubjectAlreadyErasedError(subjectId);
  }
  for (const step of context.beforeErasure) await step(subjectId, { store: context.store, region: context.region });
  // A fixed Idempotency-Key: an earlier, interrupted erasure (or a concurrent one) already wrote the
  // event, and this call gets that append's answer instead of a conflict.
  const event = await appendEvents(context.store, {
    stream: dataSubjectStream(subjectId),
    expectedVersion: 'no_stream',
    events: [{ type: 'DataSubjectErased', data: { subjectId } }],
    idempotencyKey: `erase-${subjectId}`,
    region: context.region,
  });
  await context.keys.erase(subjectId);
  context.onErased?.(subjectId);
  return { subjectId, erased: true, streamId: event.streamId, version: event.version, recordedAt: event.recordedAt, consistencyToken: event.consistencyToken };
};
