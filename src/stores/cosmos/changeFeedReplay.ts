import { ChangeFeedStartFrom, StatusCodes, type Container } from '@azure/cosmos';
import { eventsFromDocuments, type ReplayPage } from '../../core/index.ts';

/**
 * One page of the `events` container's change feed (latest-version mode), from the beginning or from
 * a cursor: the replay source of projection rebuilds. Order holds per stream (per partition), which is
 * all consumers rely on. Documents that are not events are left out by the one rule of every host
 * (src/core/feedDocuments.ts) and counted. The cursor is the SDK's continuation token; `caughtUp` is the service's
 * "not modified" after every feed range was asked.
 */
export const readChangeFeed = async (container: Container, cursor: string | undefined, limit: number): Promise<ReplayPage> => {
  const iterator = container.items.getChangeFeedIterator({
    changeFeedStartFrom: cursor === undefined ? ChangeFeedStartFrom.Beginning() : ChangeFeedStartFrom.Continuation(cursor),
    maxItemCount: limit,
  });
  const response = await iterator.readNext();
  const { events, ignored } = eventsFromDocuments(response.result ?? []);
  return {
    events,
    ignored,
    cursor: response.continuationToken ?? cursor ?? '',
    caughtUp: response.statusCode === StatusCodes.NotModified,
  };
};
