import { appendEvents, streamIdOf, ValidationError } from '../../core/index.ts';
import { notFoundProblem } from '../problem.ts';
import { AppendBody, ConsistencyQuery, OptionalIdempotencyKey, ReadQuery, StreamParams } from '../schemas.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { parseJsonBody, queryObject, validate } from '../validation.ts';
import { awaitStreamWrite, consistencyOf } from './consistency.ts';
import { normalizeExpectedVersion, parseIfMatch } from './headers.ts';
import { decodeReadToken, encodeReadToken } from './readToken.ts';

const DEFAULT_LIMIT = 100;

const streamPath = (aggregateType: string, aggregateId: string): string =>
  `/api/streams/${encodeURIComponent(aggregateType)}/${encodeURIComponent(aggregateId)}`;

export const appendToStream = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const raw = parseJsonBody(request.body);
  const { path: stream, body, idempotencyKey } = validate({
    path: [StreamParams, request.params],
    body: [AppendBody, raw],
    idempotencyKey: [OptionalIdempotencyKey, request.headers['idempotency-key']],
  });
  const fromHeader = parseIfMatch(request.headers['if-match']);
  const fromBody = body.expectedVersion === undefined ? undefined : normalizeExpectedVersion(body.expectedVersion);
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody)
    throw new ValidationError([
      { path: 'header.If-Match', message: `disagrees with body.expectedVersion (${String(fromBody)})` },
    ]);
  // Aggregate types the app registers: their events are checked against its schemas, or refused here.
  services.appendPolicy.check(stream, body.events);

  const outcome = await appendEvents(services.eventStore, {
    stream,
    // As the client wrote it (0 stays 0), so a 409 echoes the client's own expectedVersion.
    expectedVersion: fromHeader ?? body.expectedVersion ?? 'any',
    events: body.events,
    idempotencyKey,
    region: services.region,
  });
  const { replayed, ...result } = outcome;
  return {
    status: 201,
    headers: {
      etag: `"${result.version}"`,
      location: `${streamPath(stream.aggregateType, stream.aggregateId)}/events?fromVersion=${result.firstSequence}&toVersion=${result.lastSequence}`,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    },
    body: result,
  };
};

export const readStream = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path: stream, query } = validate({
    path: [StreamParams, request.params],
    query: [ReadQuery, queryObject(request.query)],
  });
  const fromVersion = query.continuationToken === undefined ? (query.fromVersion ?? 1) : decodeReadToken(query.continuationToken);
  if (query.toVersion !== undefined && query.toVersion < fromVersion)
    throw new ValidationError([{ path: 'query.toVersion', message: 'must not be below fromVersion' }]);
  const limit = query.limit ?? DEFAULT_LIMIT;
  const streamId = streamIdOf(stream);

  await awaitStreamWrite(services.eventStore, stream, consistencyOf(query), services.region);
  const slice = await services.eventStore.readStream(stream, { fromVersion, toVersion: query.toVersion, limit, asOf: query.asOf });
  if (slice === undefined)
    return notFoundProblem(query.asOf === undefined ? `stream ${streamId} has no events` : `stream ${streamId} had no events at ${query.asOf}`);

  const last = slice.events[slice.events.length - 1];
  const end = Math.min(query.toVersion ?? slice.version, slice.version);
  const more = last !== undefined && slice.events.length === limit && last.sequence < end;
  return {
    status: 200,
    headers: { etag: `"${slice.version}"` },
    body: {
      streamId,
      version: slice.version,
      events: slice.events,
      ...(more ? { continuationToken: encodeReadToken(last.sequence + 1) } : {}),
    },
  };
};

export const getStream = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path: stream, query } = validate({ path: [StreamParams, request.params], query: [ConsistencyQuery, queryObject(request.query)] });
  await awaitStreamWrite(services.eventStore, stream, consistencyOf(query), services.region);
  const info = await services.eventStore.getStreamInfo(stream);
  if (info === undefined) return notFoundProblem(`stream ${streamIdOf(stream)} has no events`);
  return { status: 200, headers: { etag: `"${info.version}"` }, body: info };
};
