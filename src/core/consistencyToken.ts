// A token names a stream and a sequence, so it means the same in every region
// (there is no global order across partitions to name instead).

export interface ConsistencyPoint {
  streamId: string;
  sequence: number;
}

const PREFIX = 'v1.';

export const encodeConsistencyToken = (point: ConsistencyPoint): string =>
  PREFIX + Buffer.from(JSON.stringify([point.streamId, point.sequence]), 'utf8').toString('base64url');

export const decodeConsistencyToken = (token: string): ConsistencyPoint | undefined => {
  if (!token.startsWith(PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [streamId, sequence] = value as [unknown, unknown];
    if (typeof streamId !== 'string' || !Number.isSafeInteger(sequence) || (sequence as number) < 1) return undefined;
    return { streamId, sequence: sequence as number };
  } catch {
    return undefined;
  }
};
