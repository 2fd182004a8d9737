import { z } from 'zod';
import { AckBody, AckResponse, CreateGroupBody, FeedQuery, FeedResponse, GroupBatch, GroupList, GroupParams, GroupStatus, NackBody, NackResponse, NextQuery, ParkedList, ReplayBody, ReplayResponse, ViewListParams, ViewListQuery, ViewListResponse } from './feedSchemas.ts';
import { badRequest, header, json, jsonBody, notFound, problemResponse, unavailable } from './openapi.ts';
import type { OperationDoc } from './types.ts';

// Documentation of the feed, consumer group and view query routes, by route name.

const FeedPageDoc = FeedResponse.meta({ id: 'FeedPage' });
const GroupStatusDoc = GroupStatus.meta({ id: 'ConsumerGroup' });
const GroupBatchDoc = GroupBatch.meta({ id: 'ConsumerGroupBatch' });
const ViewListDoc = ViewListResponse.meta({ id: 'ViewDocumentList' });
const noGroup = notFound('No consumer group of that name in this region.');
const leaseLost = problemResponse('`lease-expired`: the batch is no longer held (its lease ran out); `not-in-batch`: an event id is not held in it.');

export const feedOperations = {
  readFeed: {
    summary: 'The feed: events of a category, a stream or the whole log, in order',
    description:
      'A page of events after `after` and the `cursor` to continue from. Order: the global position on the embedded store; on Cosmos DB the change feed of ' +
      "this region's copy, ordered per stream only. Cursors are opaque and per region. With `wait` the request waits for an event when there is none " +
      'yet and answers an empty page when none came. With `Accept: text/event-stream` the same feed comes as Server-Sent Events: one event per message, ' +
      'its cursor as the message id, resumed after `Last-Event-ID`; a comment line every 15 s while idle; the stream ends after 200 s (Azure answers ' +
      'an HTTP request within 230 s) and the client reconnects with `Last-Event-ID`.',
    tags: ['feed'],
    request: {
      query: FeedQuery,
      headers: z.object({ 'Last-Event-ID': z.string().optional().meta({ description: 'SSE only: resume after this event id (wins over `after`).' }) }),
    },
    responses: {
      200: {
        description: 'A page of the feed, or (SSE) the feed as it comes.',
        content: {
          'application/json': { schema: FeedPageDoc },
          'text/event-stream': { schema: z.string().meta({ description: '`id: <cursor>` and `data: <event JSON>` per event; `: heartbeat` comments while idle.' }) },
        },
      },
      400: badRequest,
      503: unavailable,
    },
  },
  listGroups: {
    summary: "This region's consumer groups",
    tags: ['consumers'],
    responses: { 200: json('Every consumer group of this region.', GroupList), 503: unavailable },
  },
  createGroup: {
    summary: 'Create a consumer group (persistent subscription)',
    description:
      'A group reads the feed (optionally filtered) from the beginning or from now; its members fetch batches, acknowledge or refuse them. Creating ' +
      'it again with the same settings answers 200 and changes nothing; other settings: 409. The body may be left out (all defaults).',
    tags: ['consumers'],
    request: { params: GroupParams, body: { required: false, content: { 'application/json': { schema: CreateGroupBody.meta({ id: 'ConsumerGroupSettings' }) } } } },
    responses: {
      200: json('The group exists with these settings.', GroupStatusDoc),
      201: json('Created.', GroupStatusDoc, { Location: header('The group.') }),
      400: badRequest,
      409: problemResponse('`group-exists`: the group exists with other settings.'),
      503: unavailable,
    },
  },
  getGroup: {
    summary: 'A consumer group: settings and counts',
    tags: ['consumers'],
    request: { params: GroupParams },
    responses: { 200: json('The group.', GroupStatusDoc), 400: badRequest, 404: noGroup, 503: unavailable },
  },
  nextBatch: {
    summary: 'Fetch a batch for a member',
    description:
      "Events the group holds, leased to the member for the group's `leaseMs`; a stream's events go to one member at a time, in order. Unacknowledged " +
      'events return to the group when the lease runs out (at least once). With `wait` the request waits for events when none are available; an ' +
      'empty batch has no `batchId`.',
    tags: ['consumers'],
    request: { params: GroupParams, query: NextQuery },
    responses: { 200: json('A batch (maybe empty).', GroupBatchDoc), 400: badRequest, 404: noGroup, 503: unavailable },
  },
  ackBatch: {
    summary: 'Acknowledge a batch (or some of its events)',
    tags: ['consumers'],
    request: { params: GroupParams, body: jsonBody(AckBody) },
    responses: { 200: json('Acknowledged: never handed out again.', AckResponse), 400: badRequest, 404: noGroup, 409: leaseLost, 503: unavailable },
  },
  nackBatch: {
    summary: 'Refuse a batch (or some of its events): retry or park',
    description: '`retry` returns the events to the group at once (parked after `maxDeliveries` deliveries); `park` sets them aside until replayed.',
    tags: ['consumers'],
    request: { params: GroupParams, body: jsonBody(NackBody) },
    responses: { 200: json('Returned or parked.', NackResponse), 400: badRequest, 404: noGroup, 409: leaseLost, 503: unavailable },
  },
  listParked: {
    summary: "A consumer group's parked events",
    tags: ['consumers'],
    request: { params: GroupParams },
    responses: { 200: json('Parked events, oldest first.', ParkedList), 400: badRequest, 404: noGroup, 503: unavailable },
  },
  replayParked: {
    summary: 'Replay parked events',
    description: 'The parked events (these, or all) go back to the group, after the events it holds. The body may be left out (all).',
    tags: ['consumers'],
    request: { params: GroupParams, body: { required: false, content: { 'application/json': { schema: ReplayBody } } } },
    responses: { 200: json('Replayed.', ReplayResponse), 400: badRequest, 404: noGroup, 503: unavailable },
  },
  listView: {
    summary: "Query a view's documents in this region",
    description:
      'Paged with `continuationToken`. `where` filters on the top-level fields of `data` the view declares: `field:value` for equality, ' +
      '`>`, `>=`, `<`, `<=` for numbers and dates, conditions joined by commas; `orderBy` sorts on one declared field (documents without ' +
      'it are left out). An unknown field or bad syntax is a 400 naming the field (`query.where.<field>`).',
    tags: ['views'],
    request: { params: ViewListParams, query: ViewListQuery },
    responses: { 200: json('A page of documents.', ViewListDoc), 400: badRequest, 404: notFound('No such view.'), 503: unavailable },
  },
} satisfies Record<string, OperationDoc>;
