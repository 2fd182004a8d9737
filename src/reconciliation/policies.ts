import type { EventEnvelope, EventMetadata, JsonObject, StreamRef } from '../core/index.ts';

// What the reconciler does with an event that lost its place. By default it appends it again at the end
// of its stream: the fact was acknowledged, so it stays in the log. Some aggregates cannot take that:
// an email reservation re-appended after another user's would hand the address to two users. Their
// domain registers a policy that appends compensating events instead, and the reconciler reports them.

export interface ReconciliationContext {
  /** The acknowledged event that lost its place. */
  loser: EventEnvelope;
  /** Every event of a stream as the reconciler's region reads it now (empty when the stream has none). */
  readStream(stream: StreamRef): Promise<EventEnvelope[]>;
}

export interface CompensatingEvent {
  type: string;
  data: JsonObject;
  metadata?: EventMetadata;
}

/** Events to append to one stream in place of the lost event; they all carry `metadata.compensates`. */
export interface CompensatingAppend {
  stream: StreamRef;
  events: CompensatingEvent[];
}

export type Resolution =
  | { action: 'reappend' }
  | {
      action: 'compensate';
      /** Why the event cannot be appended again, for the report. */
      reason: string;
      appends: CompensatingAppend[];
    };

export interface ReconciliationPolicy {
  resolve(context: ReconciliationContext): Resolution | Promise<Resolution>;
}

export const reappendPolicy: ReconciliationPolicy = { resolve: () => ({ action: 'reappend' }) };

/** Type of the record a rejecting policy appends: no decider knows it, so folds of the stream skip it. */
export const REJECTED_EVENT_TYPE = 'ReconciliationRejected';

/**
 * The compensation for an event its stream cannot take any more: the stream records that the event was
 * acknowledged and rejected (with the event itself, so nothing is forgotten), and the report names it
 * so someone can tell the client. Appended under the product's metadata `compensates`.
 */
export const rejectInStream = (loser: EventEnvelope, reason: string): Resolution => ({
  action: 'compensate',
  reason,
  appends: [
    {
      stream: { aggregateType: loser.aggregateType, aggregateId: loser.aggregateId },
      events: [
        {
          type: REJECTED_EVENT_TYPE,
          data: {
            reason,
            event: { id: loser.id, type: loser.type, data: loser.data, region: loser.region, sequence: loser.sequence, recordedAt: loser.recordedAt },
          },
        },
      ],
    },
  ],
});

/** Policies by aggregate type; every other type gets the default (append again). */
export class ReconciliationPolicies {
  private readonly byType = new Map<string, ReconciliationPolicy>();
  private readonly fallback: ReconciliationPolicy;

  constructor(fallback: ReconciliationPolicy = reappendPolicy) {
    this.fallback = fallback;
  }

  register(aggregateType: string, policy: ReconciliationPolicy): this {
    if (this.byType.has(aggregateType)) throw new Error(`a reconciliation policy for ${aggregateType} is already registered`);
    this.byType.set(aggregateType, policy);
    return this;
  }

  for(aggregateType: string): ReconciliationPolicy {
    return this.byType.get(aggregateType) ?? this.fallback;
  }
}
