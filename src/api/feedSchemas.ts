import { z } from 'zod';
import { FeedEvent, GroupBatch, GroupName, GroupSettings, GroupStatus, ParkedEvent, ViewName } from '../core/index.ts';
import { ConsistencyQuery } from './schemas.ts';

// Request and response shapes of the feed, consumer group and view query routes.

const limitOf = (name: string, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,4}$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`));

export const FEED_MAX_LIMIT = 1000;

export const FeedQuery = z.object({
  category: z.string().min(1).optional().meta({ description: 'Only events of this aggregate type.' }),
  streamId: z.string().min(1).optional().meta({ description: 'Only events of this stream (`{aggregateType}-{aggregateId}`).' }),
  after: z.string().min(1).optional().meta({ description: 'A cursor (or event id) the feed answered, or `now`; absent: from the beginning.' }),
  limit: limitOf('limit', FEED_MAX_LIMIT).optional(),
  wait: ConsistencyQuery.shape.wait.meta({ description: 'Long poll: wait up to this many ms for an event when there is none yet.' }),
});

export const FeedResponse = z.object({
  region: z.string(),
  events: z.array(FeedEvent),
  cursor: z.string().meta({ description: 'Where to continue: pass it as `after`. Opaque, per region, stable across restarts.' }),
  caughtUp: z.boolean().meta({ description: 'True when the page is empty because the feed had nothing more.' }),
});

export const GroupParams = z.object({ group: GroupName });

export const CreateGroupBody = GroupSettings;

export const NextQuery = z.object({
  member: z.string().min(1).max(128).optional().meta({ description: 'Names the member holding the batch (default: anonymous).' }),
  max: limitOf('max', FEED_MAX_LIMIT).optional().meta({ description: 'Most events in the batch (default 100).' }),
  wait: ConsistencyQuery.shape.wait.meta({ description: 'Long poll: wait up to this many ms for events when none are available.' }),
});

const EventIds = z.array(z.string().min(1)).min(1).max(FEED_MAX_LIMIT);

export const AckBody = z.strictObject({
  batchId: z.string().min(1),
  eventIds: EventIds.optional().meta({ description: 'Only these events of the batch; the whole batch when absent.' }),
});

export const NackBody = AckBody.extend({
  action: z.enum(['retry', 'park']).default('retry'),
  reason: z.string().max(2000).optional(),
});

export const ReplayBody = z.strictObject({ eventIds: EventIds.optional() });

export const GroupList = z.object({ groups: z.array(GroupStatus) });
export const ParkedList = z.object({ group: z.string(), parked: z.array(ParkedEvent) });
export const AckResponse = z.object({ acknowledged: z.number().int() });
export const NackResponse = z.object({ returned: z.number().int(), parked: z.number().int() });
export const ReplayResponse = z.object({ replayed: z.number().int() });
export { GroupBatch, GroupStatus };

export const ViewListParams = z.object({ view: ViewName });

export const ViewListQuery = z.object({
  where: z.string().max(2000).optional().meta({ description: 'Conditions joined by commas: `status:active,votes>=3,createdAt<2025-01-01T00:00:00Z`.' }),
  orderBy: z.string().max(100).optional().meta({ description: '`field`, `field:asc` or `field:desc`.' }),
  limit: limitOf('limit', FEED_MAX_LIMIT).optional(),
  continuationToken: z.string().min(1).optional(),
});

export const ViewListResponse = z.object({
  view: ViewName,
  region: z.string(),
  documents: z.array(z.object({ key: z.string(), data: z.record(z.string(), z.unknown()), updatedAt: z.iso.datetime() })),
  continuationToken: z.string().optional(),
});
