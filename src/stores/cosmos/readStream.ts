import type { Container } from '@azure/cosmos';
import type { EventEnvelope, ReadStreamOptions, StreamSlice } from '../../core/index.ts';
import { eventFromDocument, StreamHeadDocument } from './documents.ts';
import { queryPartition } from './queries.ts';
import { readTip } from './streamHead.ts';

type StoredDocument = Record<string, unknown> & { sequence: number };

/**
 * One query returns the head (sequence 0) and the requested events in sequence order, plus one event
 * beyond `limit`: the head gives the version, and the extra event shows whether the head lags (an event
 * past the head's version). Only then, or when there is no head, is the tip read separately.
 */
const readCurrent = async (container: Container, streamId: string, options: ReadStreamOptions): Promise<StreamSlice | undefined> => {
  const wanted = options.limit + 1;
  const documents = await queryPartition<StoredDocument>(
    container,
    streamId,
    {
      query: `SELECT TOP ${wanted + 1} * FROM c WHERE c.streamId = @streamId AND (c.sequence = 0 OR (c.sequence >= @from AND c.sequence <= @to)) ORDER BY c.sequence`,
      parameters: [
        { name: '@streamId', value: streamId },
        { name: '@from', value: options.fromVersion },
        { name: '@to', value: options.toVersion ?? Number.MAX_SAFE_INTEGER },
      ],
    },
    wanted + 1,
  );
  const head = documents[0]?.sequence === 0 ? StreamHeadDocument.parse(documents.shift()) : undefined;
  const events = documents.filter((d) => d.sequence >= 1);
  const furthest = events[events.length - 1]?.sequence ?? 0;
  const version = head !== undefined && head.version >= furthest ? head.version : (await readTip(container, streamId)).version;
  if (version === 0) return undefined;
  return { version, events: events.slice(0, options.limit).map(eventFromDocument) };
};

/** As of a time: the version then and the events recorded by then (two queries, sent together). */
const readAsOf = async (container: Container, streamId: string, options: ReadStreamOptions, asOf: string): Promise<StreamSlice | undefined> => {
  const [tip, documents] = await Promise.all([
    readTip(container, streamId, asOf),
    queryPartition<StoredDocument>(
      container,
      streamId,
      {
        query: `SELECT TOP ${options.limit} * FROM c WHERE c.streamId = @streamId AND c.sequence >= @from AND c.sequence <= @to AND c.recordedAt <= @asOf ORDER BY c.sequence`,
        parameters: [
          { name: '@streamId', value: streamId },
          { name: '@from', value: Math.max(1, options.fromVersion) },
          { name: '@to', value: options.toVersion ?? Number.MAX_SAFE_INTEGER },
          { name: '@asOf', value: asOf },
        ],
      },
      options.limit,
    ),
  ]);
  if (tip.version === 0) return undefined;
  return { version: tip.version, events: documents.map(eventFromDocument) };
};

export const readStream = (container: Container, streamId: string, options: ReadStreamOptions): Promise<StreamSlice | undefined> =>
  options.asOf === undefined ? readCurrent(container, streamId, options) : readAsOf(container, streamId, options, options.asOf);

export const readEventsById = async (container: Container, streamId: string, ids: readonly string[]): Promise<EventEnvelope[]> => {
  if (ids.length === 0) return [];
  const documents = await queryPartition<StoredDocument>(
    container,
    streamId,
    {
      query: 'SELECT * FROM c WHERE c.streamId = @streamId AND c.sequence >= 1 AND ARRAY_CONTAINS(@ids, c.id) ORDER BY c.sequence',
      parameters: [
        { name: '@streamId', value: streamId },
        { name: '@ids', value: [...ids] },
      ],
    },
    ids.length,
  );
  return documents.map(eventFromDocument);
};
