import {
  ConcurrencyError,
  DuplicateEventIdError,
  EventEnvelope,
  streamIdOf,
  type EventStore,
  type PreparedEvent,
  type StreamRef,
} from '../../core/index.ts';
import { CliError } from '../errors.ts';
import type { JsonLine } from '../jsonLines.ts';

// Import keeps every field of an exported event but one: ids, sequences (hence order), type,
// schemaVersion, data, metadata and region are written as they were; recordedAt is stamped anew
// by the target store, which owns its clock (docs/decisions.md, Tooling).

/** A source of the file's lines that can be read twice: once to check, once to write. */
export type LineSource = () => AsyncIterable<JsonLine>;

export interface ImportPlan {
  events: number;
  streams: number;
  /** Events already in the target with the same id at the same sequence (an earlier, interrupted import). */
  present: number;
  /** Events the import will append. */
  toWrite: number;
}

export interface ImportProgress {
  (written: number, total: number): void;
}

/** Most events one append takes; also bounded in bytes, below Cosmos DB's 2 MB transactional batch. */
const MAX_BATCH_EVENTS = 100;
const MAX_BATCH_BYTES = 1_000_000;
/** Streams with a batch waiting at once; beyond it all are flushed, so memory stays bounded. */
const MAX_PENDING_STREAMS = 1_000;
const STORED_PAGE = 1_000;

interface StreamCheck {
  stream: StreamRef;
  /** Version of the stream in the target when the check began. */
  storeVersion: number;
  lastSequence: number;
  ids: Set<string>;
  /** Stored events around the sequence being compared, for overlaps with an earlier import. */
  stored: Map<number, { id: string; type: string }>;
}

const where = (name: string, line: number) => `${name}:${line}`;

const parseEvent = (name: string, { line, value }: JsonLine): EventEnvelope => {
  const parsed = EventEnvelope.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`${where(name, line)}: not an exported event: ${issue.path.map(String).join('.') || 'event'}: ${issue.message}`);
  }
  const event = parsed.data;
  if (event.streamId !== streamIdOf(event))
    throw new CliError(`${where(name, line)}: streamId ${event.streamId} does not match ${streamIdOf(event)}`);
  return event;
};

const storedAt = async (store: EventStore, check: StreamCheck, sequence: number) => {
  if (!check.stored.has(sequence)) {
    check.stored.clear();
    const slice = await store.readStream(check.stream, { fromVersion: sequence, limit: STORED_PAGE });
    for (const e of slice?.events ?? []) check.stored.set(e.sequence, { id: e.id, type: e.type });
  }
  return check.stored.get(sequence);
};

/**
 * Reads the whole input before anything is written: every line must be an event envelope, each
 * stream's sequences contiguous, and each stream must continue the target's stream exactly (events
 * already there, from an interrupted import, must be the same ones). Any problem stops the import
 * with the target untouched.
 */
export const planImport = async (store: EventStore, lines: LineSource, name: string): Promise<ImportPlan & { versions: Map<string, number> }> => {
  const checks = new Map<string, StreamCheck>();
  let events = 0;
  let present = 0;
  for await (const jsonLine of lines()) {
    const event = parseEvent(name, jsonLine);
    const at = where(name, jsonLine.line);
    events++;
    let check = checks.get(event.streamId);
    if (check === undefined) {
      const stream = { aggregateType: event.aggregateType, aggregateId: event.aggregateId };
      const storeVersion = (await store.getStreamInfo(stream))?.version ?? 0;
      if (event.sequence > storeVersion + 1)
        throw new CliError(
          `${at}: stream ${event.streamId} starts at sequence ${event.sequence}, but the target ${storeVersion === 0 ? 'has no such stream' : `is at version ${storeVersion}`}; the events before it are missing`,
        );
      check = { stream, storeVersion, lastSequence: event.sequence - 1, ids: new Set(), stored: new Map() };
      checks.set(event.streamId, check);
    }
    if (event.sequence !== check.lastSequence + 1)
      throw new CliError(`${at}: stream ${event.streamId} goes from sequence ${check.lastSequence} to ${event.sequence}; sequences must follow each other`);
    if (check.ids.has(event.id)) throw new CliError(`${at}: event id ${event.id} appears twice in stream ${event.streamId}`);
    check.ids.add(event.id);
    check.lastSequence = event.sequence;
    if (event.sequence <= check.storeVersion) {
      const stored = await storedAt(store, check, event.sequence);
      if (stored?.id !== event.id)
        throw new CliError(
          `${at}: stream ${event.streamId} already has a different event at sequence ${event.sequence} (id ${stored?.id ?? '?'}, not ${event.id}); import into an empty store or another stream`,
        );
      present++;
    }
  }
  const versions = new Map([...checks].map(([streamId, check]) => [streamId, check.storeVersion]));
  return { events, streams: checks.size, present, toWrite: events - present, versions };
};

interface Batch {
  stream: StreamRef;
  region: string;
  firstSequence: number;
  events: PreparedEvent[];
  bytes: number;
}

const prepared = (event: EventEnvelope): PreparedEvent => ({
  id: event.id,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: event.data,
  metadata: event.metadata,
});

/**
 * Writes what `planImport` accepted: per stream in order, with the expected version of each batch, so a
 * concurrent writer fails the import instead of interleaving. `checked` is a plan already made against
 * what the store holds (an empty stand-in for a store about to be created); without it the store is checked.
 */
export const importEvents = async (
  store: EventStore,
  lines: LineSource,
  name: string,
  progress: ImportProgress = () => {},
  checked?: Awaited<ReturnType<typeof planImport>>,
): Promise<ImportPlan> => {
  const plan = checked ?? (await planImport(store, lines, name));
  const pending = new Map<string, Batch>();
  let written = 0;

  const flush = async (streamId: string): Promise<void> => {
    const batch = pending.get(streamId);
    if (batch === undefined) return;
    pending.delete(streamId);
    const expected = batch.firstSequence - 1;
    try {
      const result = await store.append({
        stream: batch.stream,
        expectedVersion: expected === 0 ? 'no_stream' : expected,
        events: batch.events,
        region: batch.region,
      });
      if (result.firstSequence !== batch.firstSequence) throw new Error(`stored at sequence ${result.firstSequence}, not ${batch.firstSequence}`);
    } catch (error) {
      const reason =
        error instanceof ConcurrencyError
          ? `it was written to meanwhile (now at version ${error.currentVersion})`
          : error instanceof DuplicateEventIdError
            ? `it already holds event id ${error.eventIds.join(', ')}`
            : (error as Error).message;
      throw new CliError(`import stopped at stream ${streamId} sequence ${batch.firstSequence}: ${reason}; ${written} events were written before (run the import again to continue)`);
    }
    written += batch.events.length;
    progress(written, plan.toWrite);
  };

  for await (const jsonLine of lines()) {
    const event = parseEvent(name, jsonLine);
    if (event.sequence <= plan.versions.get(event.streamId)!) continue;
    const size = JSON.stringify(event.data).length + JSON.stringify(event.metadata).length + 200;
    let batch = pending.get(event.streamId);
    if (batch !== undefined && (batch.region !== event.region || batch.events.length >= MAX_BATCH_EVENTS || batch.bytes + size > MAX_BATCH_BYTES)) {
      await flush(event.streamId);
      batch = undefined;
    }
    if (batch === undefined) {
      if (pending.size >= MAX_PENDING_STREAMS) for (const streamId of [...pending.keys()]) await flush(streamId);
      batch = { stream: { aggregateType: event.aggregateType, aggregateId: event.aggregateId }, region: event.region, firstSequence: event.sequence, events: [], bytes: 0 };
      pending.set(event.streamId, batch);
    }
    batch.events.push(prepared(event));
    batch.bytes += size;
  }
  for (const streamId of [...pending.keys()]) await flush(streamId);
  const { versions: _versions, ...summary } = plan;
  return summary;
};
