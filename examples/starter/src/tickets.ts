import { decodeEvent, defineAggregate, ProblemError, z, type Decider, type EventOf } from 'eventlog';

// The Ticket aggregate, in the order a reader wants it: the stored events (their schemas are the
// storage format: version with care), the state and its fold, the decisions, and the command routes.

export const TicketEvents = {
  TicketOpened: z.object({ ticketId: z.string(), title: z.string(), openedAt: z.iso.datetime() }),
  TicketClosed: z.object({ ticketId: z.string(), resolution: z.string(), closedAt: z.iso.datetime() }),
};
export type TicketEvent = EventOf<typeof TicketEvents>;

export type TicketState =
  | { status: 'none' }
  | { status: 'open'; title: string }
  | { status: 'closed'; title: string; resolution: string };

export type TicketCommand =
  | { type: 'OpenTicket'; ticketId: string; title: string; now: string }
  | { type: 'CloseTicket'; ticketId: string; resolution: string; now: string };

/** Each refusal is the problem+json the API answers with. */
export class TicketNotFoundError extends ProblemError('ticket-not-found', 404, 'Ticket not found') {}
export class TicketAlreadyClosedError extends ProblemError('ticket-closed', 409, 'Ticket already closed') {}

export const ticketDecider: Decider<TicketCommand, TicketEvent, TicketState> = {
  initialState: () => ({ status: 'none' }),
  evolve: (state, stored) => {
    const event = decodeEvent(TicketEvents, stored);
    if (event === undefined) return state;
    switch (event.type) {
      case 'TicketOpened':
        return { status: 'open', title: event.data.title };
      case 'TicketClosed':
        return state.status === 'none' ? state : { status: 'closed', title: state.title, resolution: event.data.resolution };
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'OpenTicket':
        // A retried open of the same ticket changes nothing.
        if (state.status !== 'none') return [];
        return [{ type: 'TicketOpened', data: { ticketId: command.ticketId, title: command.title, openedAt: command.now } }];
      case 'CloseTicket':
        if (state.status === 'none') throw new TicketNotFoundError(`ticket ${command.ticketId} does not exist`);
        if (state.status === 'closed') {
          if (state.resolution === command.resolution) return [];
          throw new TicketAlreadyClosedError(`ticket ${command.ticketId} is already closed`);
        }
        return [{ type: 'TicketClosed', data: { ticketId: command.ticketId, resolution: command.resolution, closedAt: command.now } }];
    }
  },
};

export const OpenTicketBody = z.strictObject({ title: z.string().trim().min(1).max(200) });
export const CloseTicketBody = z.strictObject({ resolution: z.string().trim().min(1).max(2000) });

/** `POST /api/tickets` opens one; `POST /api/tickets/{ticketId}/close` closes it. */
export const tickets = defineAggregate({
  aggregateType: 'Ticket',
  events: TicketEvents,
  decider: ticketDecider,
  commands: (command) => [
    command({
      name: 'openTicket',
      route: 'tickets',
      body: OpenTicketBody,
      aggregateId: 'new',
      toCommand: ({ aggregateId, body }) => ({ type: 'OpenTicket', ticketId: aggregateId, title: body.title, now: new Date().toISOString() }),
      view: 'ticket',
      summary: 'Open a ticket',
    }),
    command({
      name: 'closeTicket',
      route: 'tickets/{ticketId}/close',
      body: CloseTicketBody,
      aggregateId: ({ params }) => params.ticketId!,
      toCommand: ({ aggregateId, body }) => ({ type: 'CloseTicket', ticketId: aggregateId, resolution: body.resolution, now: new Date().toISOString() }),
      view: 'ticket',
      summary: 'Close a ticket',
      refusals: { 404: 'No such ticket.', 409: 'The ticket is already closed with another resolution.' },
    }),
  ],
});
