import { appendEvents, isReservedEventType, ProblemError, RebuildUnderWayError, RESERVED_EVENT_TYPE_PREFIX, streamIdOf, ValidationError, type StreamLifecycle } from '../../core/index.ts';
import { notFoundProblem } from '../problem.ts';
import { AppendBody, ConsistencyQuery, DeleteStreamQuery, OptionalIdempotencyKey, ReadQuery, StreamParams } from '../schemas.ts';
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
  // The log's own event types (a stream closed, deleted) are written by the admin operations only.
  const reserved = body.events.flatMap((event, index) => (isReservedEventType(event.type) ? [{ path: `body.events.${index}.type`, message: `event types starting with "${RESERVED_EVENT_TYPE_PREFIX}" are the log's own; close or delete a stream with DELETE /api/streams/{aggregateType}/{aggregateId}` }] : []));
  if (reserved.length > 0) throw new ValidationError(reserved);
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
      ...(slice.archivedVersion === undefined ? {} : { archivedVersion: slice.archivedVersion }),
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

class LifecycleUnavailableError extends ProblemError('lifecycle-unavailable', 501, 'Stream lifecycle not available') {}

const lifecycleOf = (services: ApiServices): StreamLifecycle => {
  if (services.lifecycle === undefined) throw new LifecycleUnavailableError('this host cannot archive, close or delete streams (its store keeps no archive records)');
  return services.lifecycle;
};

/** `POST /api/streams/{aggregateType}/{aggregateId}/archive` (admin): move the stream's events to cold storage now. */
export const archiveStream = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path: stream } = validate({ path: [StreamParams, request.params] });
  const lifecycle = lifecycleOf(services);
  const rebuilding = (await services.consumers.entries()).filter((entry) => entry.status === 'rebuilding').map((entry) => entry.name);
  if (rebuilding.length > 0) throw new RebuildUnderWayError(rebuilding);
  return { status: 200, body: await lifecycle.archive(stream) };
};

/** `DELETE /api/streams/{aggregateType}/{aggregateId}[?mode=hard]` (admin): close the stream, or delete an archived one for good. */
export const deleteStream = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path: stream, query } = validate({ path: [StreamParams, request.params], query: [DeleteStreamQuery, queryObject(request.query)] });
  const lifecycle = lifecycleOf(services);
  const outcome = query.mode === 'hard' ? await lifecycle.destroy(stream, query.reason) : await lifecycle.close(stream, query.reason);
  return { status: 200, body: outcome };
};
