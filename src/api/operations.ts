import { z } from 'zod';
import { badRequest, ETAG, header, json, notFound, problemResponse, RETRY_AFTER, unavailable } from './openapi.ts';
import { ProjectionEntry, ProjectionParams, ProjectionsResponse, ResumeQuery, ViewParams, ViewQuery, ViewResponse } from './projectionSchemas.ts';
import {
  AppendBody,
  AppendResponse,
  ArchiveResponse,
  ConsistencyQuery,
  DeleteStreamQuery,
  DeleteStreamResponse,
  HealthResponse,
  IdempotencyKey,
  ReadQuery,
  ReadResponse,
  StreamInfoResponse,
  StreamParams,
} from './schemas.ts';
import { EraseSubjectResponse, SubjectParams } from './subjectSchemas.ts';
import type { OperationDoc } from './types.ts';

// Named once here: components in the document, and the identity the generator uses to reference them.
const AppendRequestDoc = AppendBody.meta({ id: 'AppendRequest' });
const AppendResponseDoc = AppendResponse.meta({ id: 'AppendResponse' });
const ReadResponseDoc = ReadResponse.meta({ id: 'ReadResponse' });
const StreamInfoDoc = StreamInfoResponse.meta({ id: 'StreamInfo' });
const HealthDoc = HealthResponse.meta({ id: 'Health' });
const ArchiveDoc = ArchiveResponse.meta({ id: 'ArchiveOutcome' });
const DeleteStreamDoc = DeleteStreamResponse.meta({ id: 'StreamEndOutcome' });
const ViewDoc = ViewResponse.meta({ id: 'ViewDocument' });
const ProjectionEntryDoc = ProjectionEntry.meta({ id: 'ProjectionEntry' });
const ProjectionsDoc = ProjectionsResponse.meta({ id: 'ProjectionList' });
const ErasureDoc = EraseSubjectResponse.meta({ id: 'Erasure' });

const notCaughtUp = problemResponse(
  "`stream-not-caught-up`: this region's copy did not hold the `atLeast` write within `wait` (or the store is unavailable).",
  RETRY_AFTER,
);

/** The document itself, as far as a client may rely on it. */
export const OpenApiDocumentShape = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OpenApiDocument' });

/** Documentation of the product's generic routes, by route name. */
export const apiOperations = {
  health: {
    summary: 'Health of the API and its store',
    tags: ['operations'],
    responses: { 200: json('The store answers.', HealthDoc), 503: problemResponse('The store does not answer.', RETRY_AFTER) },
  },
  openApi: {
    summary: 'This document',
    tags: ['operations'],
    responses: { 200: json('The OpenAPI 3.1 document of the API.', OpenApiDocumentShape) },
  },
  appendToStream: {
    summary: 'Append events to a stream',
    description:
      'Appends all events or none. `expectedVersion` 0 and `"no_stream"` both mean the stream must not exist; omitted means `"any"`, ' +
      'and the server then retries a lost race itself. With `Idempotency-Key`, a repeated request returns the original result. ' +
      'Aggregate types the app registers may be validated (only their event types, with data matching their schemas) or written ' +
      'through their commands only (403).',
    tags: ['streams'],
    request: {
      params: StreamParams,
      headers: z.object({
        'Idempotency-Key': IdempotencyKey.optional().meta({ description: 'Makes the append safe to retry; scoped to the stream.' }),
        'If-Match': z.string().optional().meta({ description: 'Expected version as `"<version>"`, or `*` for "the stream exists".' }),
      }),
      body: { required: true, content: { 'application/json': { schema: AppendRequestDoc } } },
    },
    responses: {
      201: json('Appended (or replayed, with `Idempotent-Replayed: true`).', AppendResponseDoc, {
        ...ETAG,
        Location: header('Where the appended events can be read.'),
        'Idempotent-Replayed': header('`true` when the response replays an earlier request with the same Idempotency-Key.', {
          type: 'string',
          enum: ['true'],
        }),
      }),
      400: badRequest,
      403: problemResponse('The aggregate type is written through its commands only (`commands-only`), whatever the key.'),
      409: problemResponse('The expected version does not hold (`expectedVersion`, `currentVersion`), an event id is already in the stream, or the stream is closed (`stream-closed`).'),
      413: problemResponse('The body is over 1 MiB.'),
      422: problemResponse('The Idempotency-Key was used before with different events.'),
      503: unavailable,
    },
  },
  readStream: {
    summary: "Read a stream's events",
    description:
      'Events in sequence order, paged. `asOf` reads the stream as it was at that time. With `atLeast` (the consistencyToken of an append to this ' +
      "stream) the request first waits up to `wait` ms until this region's copy holds that write.",
    tags: ['streams'],
    request: { params: StreamParams, query: ReadQuery },
    responses: {
      200: json('A page of events; `continuationToken` only when more remain.', ReadResponseDoc, ETAG),
      400: badRequest,
      404: notFound('The stream has no events (by `asOf`).'),
      410: problemResponse('`stream-deleted`: the stream was deleted for good (`version`: its tombstone).'),
      503: notCaughtUp,
    },
  },
  getStream: {
    summary: "A stream's version and times",
    description: "With `atLeast` (the consistencyToken of an append to this stream) the request first waits up to `wait` ms until this region's copy holds that write.",
    tags: ['streams'],
    request: { params: StreamParams, query: ConsistencyQuery },
    responses: {
      200: json('The stream exists.', StreamInfoDoc, ETAG),
      400: badRequest,
      404: notFound('The stream has no events.'),
      503: notCaughtUp,
    },
  },
  deleteStream: {
    summary: 'Close a stream, or delete an archived one for good',
    description:
      'Soft (default): appends `eventlog.StreamClosed`; later appends are refused with 409 `stream-closed`, reads go on. ' +
      '`mode=hard`: for a stream archived up to its last event, appends `eventlog.StreamDeleted` and removes the archived events; ' +
      'reads then answer 410 `stream-deleted`. Both are events in the log, so projections see them. See docs/lifecycle.md.',
    tags: ['streams'],
    request: { params: StreamParams, query: DeleteStreamQuery },
    responses: {
      200: json('Closed or deleted.', DeleteStreamDoc),
      400: badRequest,
      404: notFound('The stream has no events.'),
      409: problemResponse('`stream-closed`: already closed (soft); `stream-not-archived`: not archived up to its last event (hard).'),
      410: problemResponse('`stream-deleted`: already deleted.'),
      503: unavailable,
    },
  },
  archiveStream: {
    summary: "Archive a stream's events to cold storage",
    description:
      'Writes the events not yet archived to cold storage, reads them back and compares digests, and only then removes them from the ' +
      'event store (the last one stays). Reads keep returning every event (`archivedVersion` in the answer); appends go on at the right version.',
    tags: ['streams'],
    request: { params: StreamParams },
    responses: {
      200: json('Archived (`outcome: archived`), or nothing new to archive (`unchanged`).', ArchiveDoc),
      400: badRequest,
      404: notFound('The stream has no events.'),
      409: problemResponse('`rebuild-under-way`: a projection rebuilds in this region; archive once it has switched.'),
      410: problemResponse('`stream-deleted`: the stream was deleted.'),
      501: problemResponse('`lifecycle-unavailable`: this host\'s store keeps no archive records.'),
      503: problemResponse('No archive is configured (`archive-not-configured`), or the store is unavailable.', RETRY_AFTER),
    },
  },
  getView: {
    summary: "A view document, from this region's projection",
    description:
      '`updatedAt` is when this region last wrote the document, by its clock. With `atLeast` (a consistencyToken from an append) ' +
      "the request waits up to `wait` ms until this region's projection has applied that write. With `fallback=central`, a view " +
      "kept from one stream (such as `stream` and `user`) is answered from the log itself, folded in the write region, when this region's " +
      'views are unreachable or not caught up in time; such an answer carries `X-Eventlog-View-Source: central`.',
    tags: ['views'],
    request: { params: ViewParams, query: ViewQuery },
    responses: {
      200: json('The document.', ViewDoc, { 'X-Eventlog-View-Source': header('`central` when the log answered (`fallback=central`), not this region\'s views.', { type: 'string', enum: ['central'] }) }),
      400: badRequest,
      404: notFound('No such view, or no document for the key in this region.'),
      503: problemResponse('`view-not-caught-up`: the projection has not applied `atLeast` in time (or the store is unavailable).', RETRY_AFTER),
    },
  },
  listProjections: {
    summary: "This region's projections: status, position and lag",
    tags: ['projections'],
    responses: { 200: json('Every projection of this region.', ProjectionsDoc), 503: unavailable },
  },
  rebuildProjection: {
    summary: 'Rebuild a projection',
    description: 'Replays the log into a new generation of its views, then switches to it; the old generation serves until then.',
    tags: ['projections'],
    request: { params: ProjectionParams },
    responses: { 202: json('Rebuild requested.', ProjectionEntryDoc), 400: badRequest, 404: notFound('No such projection.'), 503: unavailable },
  },
  resumeProjection: {
    summary: 'Resume a halted projection',
    description: 'Retries the event the projection halted on, or with `skip=true` records it as skipped and moves past it.',
    tags: ['projections'],
    request: { params: ProjectionParams, query: ResumeQuery },
    responses: { 202: json('Resumed (or not halted).', ProjectionEntryDoc), 400: badRequest, 404: notFound('No such projection.'), 503: unavailable },
  },
  eraseSubject: {
    summary: 'Erase a data subject',
    description:
      "Deletes the subject's key: every personal field sealed with it reads as `\"(erased)\"` from then on, in stream reads, aggregate loads and views rebuilt from the log; the events themselves stay and replay. Records `DataSubjectErased` in the stream `DataSubject-{subjectId}`. Admin key.",
    tags: ['subjects'],
    request: { params: SubjectParams },
    responses: {
      200: json('Erased.', ErasureDoc),
      400: badRequest,
      404: problemResponse('`unknown-subject`: no personal data is kept for this subject; nothing changed.'),
      409: problemResponse('`subject-already-erased`: erased before; nothing changed.'),
      503: unavailable,
    },
  },
  pauseProjection: {
    summary: 'Pause a reactor',
    description: 'The reactor (a side-effect consumer, such as the activation mail) takes no events until resumed, keeping its place in the log.',
    tags: ['projections'],
    request: { params: ProjectionParams },
    responses: {
      202: json('Paused.', ProjectionEntryDoc),
      400: badRequest,
      404: notFound('No such reactor or projection.'),
      409: problemResponse('`not-pausable`: a projection, not a reactor.'),
      503: unavailable,
    },
  },
} satisfies Record<string, OperationDoc>;
