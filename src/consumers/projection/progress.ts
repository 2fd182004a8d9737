import type { EventEnvelope, StoredViewDocument, ViewDocument } from '../../core/index.ts';

// Per-stream progress of a projection's generation: one document per stream in the internal view
// `_progress.{projection}@{generation}` (key = streamId). `positions[streamId]` is the last sequence
// processed (what `atLeast` asks about); `data.recent` holds the ids of the last few sequences, so an
// event redelivered at a processed position under another id (the log's copy changed after a forced
// failover) is recognised as divergence instead of being dropped as a redelivery.

/** How many of a stream's latest positions keep their event id: enough for the writes a failover can lose. */
export const RECENT_IDS = 64;

export interface StreamProgress {
  /** Last sequence processed (0: none). */
  sequence: number;
  /** Event id by sequence, for the latest `RECENT_IDS` sequences. */
  recent: Record<number, string>;
  /** Records an event processed after `sequence`. */
  advance(event: Pick<EventEnvelope, 'sequence' | 'id'>): void;
}

export const progressOf = (document: Pick<StoredViewDocument, 'data' | 'positions'> | undefined, streamId: string): StreamProgress => {
  const stored = document?.data?.recent;
  const recent: Record<number, string> = Object.create(null) as Record<number, string>;
  if (typeof stored === 'object' && stored !== null)
    for (const [sequence, id] of Object.entries(stored)) if (typeof id === 'string') recent[Number(sequence)] = id;
  const progress: StreamProgress = {
    sequence: document?.positions[streamId] ?? 0,
    recent,
    advance: (event) => {
      progress.sequence = event.sequence;
      progress.recent[event.sequence] = event.id;
      delete progress.recent[event.sequence - RECENT_IDS];
    },
  };
  return progress;
};

/** The progress document after these events of one stream (in order), or undefined when it holds them already. */
export const progressDocument = (
  view: string,
  streamId: string,
  current: StoredViewDocument | undefined,
  events: readonly Pick<EventEnvelope, 'sequence' | 'id'>[],
  updatedAt: string,
): ViewDocument | undefined => {
  const progress = progressOf(current, streamId);
  const before = progress.sequence;
  for (const event of events) if (event.sequence > progress.sequence) progress.advance(event);
  if (progress.sequence === before) return undefined;
  const recent = Object.fromEntries(Object.entries(progress.recent).filter(([sequence]) => Number(sequence) > progress.sequence - RECENT_IDS));
  return { view, key: streamId, data: { recent }, positions: { [streamId]: progress.sequence }, updatedAt };
};
