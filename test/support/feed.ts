import type { FeedEvent } from '../../src/core/index.ts';

/** Per stream, the sequences of `events` in the order they were seen: how feed tests check per-stream order. */
export const sequencesByStream = (events: readonly Pick<FeedEvent, 'streamId' | 'sequence'>[]): Map<string, number[]> => {
  const byStream = new Map<string, number[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event.sequence]);
  return byStream;
};
