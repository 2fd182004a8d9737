import { EventEnvelope } from './envelope.ts';

// The one rule for documents a change feed delivers from the events container, in every host.
// Events are stored as their envelope and never have a `kind` field; documents the product itself
// keeps beside them (stream heads) carry one and are passed over silently. Anything else that is not
// an event (a document someone wrote by hand) is left out and counted, never retried: it can never
// become an event, and failing the batch would hold every consumer behind it for good.

/** True for documents the product keeps in the events container that are not events. */
export const isMarkedNonEvent = (document: unknown): boolean =>
  typeof document === 'object' && document !== null && 'kind' in document;

export interface FeedEvents {
  /** The events, in delivery order, without the system properties Cosmos DB adds (`_rid`, `_etag`, `_ts`, ...). */
  events: EventEnvelope[];
  /** Documents that were neither events nor marked as the product's own. */
  ignored: number;
}

export const eventsFromDocuments = (documents: readonly unknown[]): FeedEvents => {
  const events: EventEnvelope[] = [];
  let ignored = 0;
  for (const document of documents) {
    if (isMarkedNonEvent(document)) continue;
    const parsed = EventEnvelope.safeParse(document);
    if (parsed.success) events.push(parsed.data);
    else ignored++;
  }
  return { events, ignored };
};
