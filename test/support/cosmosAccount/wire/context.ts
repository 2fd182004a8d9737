import type { AccountState } from '../accountState.ts';
import type { ContainerState, PhysicalPartition } from '../model/container.ts';
import { partitionKeyFromHeader, type PartitionKeyValue } from '../model/partitioning.ts';
import type { Region } from '../regions/region.ts';
import { formatSessionToken, parseSessionTokens, sessionSatisfied, tokenFor } from '../regions/sessionTokens.ts';
import type { RequestHeaders } from './headers.ts';
import { badRequest, notFound, partitionKeyRangeGone, readSessionNotAvailable, type Reply } from './responses.ts';

/** A request on its way through a region: what every handler gets. */
export interface RequestContext {
  state: AccountState;
  region: Region;
  method: string;
  params: Record<string, string>;
  headers: RequestHeaders;
  body: unknown;
}

export type Handler = (context: RequestContext) => Reply;

/** Thrown by handlers to answer at once (a missing container, a bad header). */
export class ReplyError extends Error {
  readonly reply: Reply;
  constructor(reply: Reply) {
    super(`HTTP ${reply.status}`);
    this.reply = reply;
  }
}

export const containerOf = (context: RequestContext): ContainerState => {
  const container = context.region.replica.container(context.params.db!, context.params.coll!);
  if (container === undefined) throw new ReplyError(notFound());
  return container;
};

export const requestPartitionKey = (context: RequestContext): PartitionKeyValue => {
  const header = context.headers['x-ms-documentdb-partitionkey'];
  if (header === undefined) throw new ReplyError(badRequest('PartitionKey value must be supplied for this operation.'));
  try {
    return partitionKeyFromHeader(header);
  } catch {
    throw new ReplyError(badRequest('The partition key supplied in x-ms-partitionkey header has an invalid format.'));
  }
};

/** The partition key range a request names, or 410 Gone when it has split since the client looked. */
export const namedPartition = (container: ContainerState, id: string): PhysicalPartition => {
  const partition = container.partitionById(id);
  if (partition !== undefined) return partition;
  if (container.retired.has(id)) throw new ReplyError(partitionKeyRangeGone());
  throw new ReplyError(badRequest(`unknown partition key range ${id}`));
};

/** Session consistency: a read the serving copy cannot answer for the request's session is refused (see readSessionNotAvailable). */
export const assertSessionAvailable = (context: RequestContext, partition: PhysicalPartition): void => {
  const token = tokenFor(parseSessionTokens(context.headers['x-ms-session-token']), partition);
  if (token !== undefined && !sessionSatisfied(token, partition, context.state.sessionState()))
    throw new ReplyError(readSessionNotAvailable());
};

/** The headers every item response carries: the session token of the range touched, and the container's rid. */
export const itemHeaders = (context: RequestContext, container: ContainerState, partitions: PhysicalPartition[]): Record<string, string> => ({
  'x-ms-session-token': partitions.map((partition) => formatSessionToken(partition, context.state.sessionState())).join(','),
  'x-ms-content-path': container.resource._rid,
  'x-ms-alt-content-path': `dbs/${context.params.db}/colls/${context.params.coll}`,
  ...(partitions.length === 1 ? { 'x-ms-documentdb-partitionkeyrangeid': partitions[0]!.id } : {}),
});
