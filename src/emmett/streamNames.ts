import { ValidationError } from '@event-driven-io/emmett';
import { AggregateId, AggregateType, parseStreamId, type StreamRef } from '../core/index.ts';

/** Maps an Emmett stream name to a stream of the log; throws Emmett's ValidationError for a name that has none. */
export type StreamNameMapping = (streamName: unknown) => StreamRef;

const describe = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : `a ${typeof value}`);

/**
 * Both mappings are injective. Without an aggregate type the name *is* the stream id, split at its
 * first `-` (aggregate types contain none), so distinct names are distinct ids. With one, every name
 * is prefixed by the same `{aggregateType}-`, so distinct names again give distinct ids.
 */
export const streamNameMapping = (aggregateType?: string): StreamNameMapping => {
  if (aggregateType === undefined)
    return (streamName) => {
      const stream = typeof streamName === 'string' ? parseStreamId(streamName) : undefined;
      if (stream === undefined)
        throw new ValidationError(
          `Stream name ${describe(streamName)} does not name a stream of the event log: without the aggregateType option a stream name must be "{aggregateType}-{aggregateId}", where aggregateType is a letter followed by up to 63 letters, digits or _, and aggregateId is 1-128 characters of letters, digits and _.:@- (e.g. "shopping_cart-42")`,
        );
      return stream;
    };

  if (!AggregateType.safeParse(aggregateType).success)
    throw new ValidationError(
      `aggregateType "${aggregateType}" is not valid: it must be a letter followed by up to 63 letters, digits or _ (no "-")`,
    );
  return (streamName) => {
    if (typeof streamName !== 'string' || !AggregateId.safeParse(streamName).success)
      throw new ValidationError(
        `Stream name ${describe(streamName)} is not a valid aggregate id of "${aggregateType}": with the aggregateType option a stream name must be 1-128 characters of letters, digits and _.:@-`,
      );
    return { aggregateType, aggregateId: streamName };
  };
};
