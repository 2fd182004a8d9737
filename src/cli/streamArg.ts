import { AggregateId, AggregateType, parseStreamId, streamIdOf, type StreamRef } from '../core/index.ts';
import { usageError } from './errors.ts';

/**
 * A stream on the command line: its streamId (`Order-42`, split at the first `-`) or `Order/42`.
 * Checked here with the envelope's own rules, so a typo is a usage error and not a 400.
 */
export const parseStreamArg = (value: string): StreamRef => {
  const slash = value.indexOf('/');
  const stream =
    slash > 0 ? { aggregateType: value.slice(0, slash), aggregateId: value.slice(slash + 1) } : parseStreamId(value);
  if (stream === undefined || !AggregateType.safeParse(stream.aggregateType).success || !AggregateId.safeParse(stream.aggregateId).success)
    throw usageError(
      `"${value}" is not a stream: give its id as Type-id (e.g. Order-42) or Type/id; ` +
        'Type starts with a letter and has letters, digits and _; id has 1-128 of letters, digits and _.:@-',
    );
  return stream;
};

export { streamIdOf };
