import { decodeEvent, defineProjection, defineView } from 'eventlog';
import { TicketEvents } from './tickets.ts';

// The `ticket` view, `GET /api/views/ticket/{ticketId}`: one document per ticket, made from its own
// stream only, so it may also be answered from the log itself (`streamOf`).

export interface TicketView {
  [key: string]: string | null;
  ticketId: string;
  title: string;
  status: 'open' | 'closed';
  openedAt: string;
  resolution: string | null;
  closedAt: string | null;
}

const ticketView = defineView<TicketView>({
  name: 'ticket',
  keysOf: (event) => (event.aggregateType === 'Ticket' ? [event.aggregateId] : []),
  reduce: (current, stored) => {
    const event = decodeEvent(TicketEvents, stored);
    if (event === undefined) return current ?? null;
    if (event.type === 'TicketOpened')
      return { ticketId: event.data.ticketId, title: event.data.title, status: 'open', openedAt: event.data.openedAt, resolution: null, closedAt: null };
    // Events of one stream arrive in order, so a close always finds its open.
    return current === undefined ? null : { ...current, status: 'closed', resolution: event.data.resolution, closedAt: event.data.closedAt };
  },
  streamOf: (key) => ({ aggregateType: 'Ticket', aggregateId: key }),
});

/** Bump `version` when `reduce` changes meaning: the views are then rebuilt from the log. */
export const ticketProjection = defineProjection({
  name: 'tickets',
  version: 1,
  eventTypes: ['TicketOpened', 'TicketClosed'],
  views: [ticketView],
});
