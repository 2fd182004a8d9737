import type { Container } from '@azure/cosmos';
import type { StreamInfo, StreamRef } from '../../core/index.ts';
import { queryPartition } from './queries.ts';
import { readTip } from './streamHead.ts';

/** Version and last write from the tip, creation time from sequence 1: two small queries, sent together. */
export const getStreamInfo = async (container: Container, streamId: string, stream: StreamRef): Promise<StreamInfo | undefined> => {
  const [tip, [first]] = await Promise.all([
    readTip(container, streamId),
    queryPartition<{ recordedAt: string }>(
      container,
      streamId,
      {
        query: 'SELECT c.recordedAt FROM c WHERE c.streamId = @streamId AND c.sequence = 1',
        parameters: [{ name: '@streamId', value: streamId }],
      },
      1,
    ),
  ]);
  if (tip.version === 0 || first === undefined || tip.recordedAt === undefined) return undefined;
  return { streamId, ...stream, version: tip.version, createdAt: first.recordedAt, updatedAt: tip.recordedAt };
};
