import { deciderSpec } from 'eventlog/testing';
import { describe, it } from 'vitest';
import { ticketDecider, TicketAlreadyClosedError, TicketNotFoundError, type TicketEvent } from '../src/tickets.ts';

// The decider alone: given the ticket's events, when a command comes, then these events (or a refusal).

const spec = deciderSpec(ticketDecider);
const now = '2026-01-01T10:00:00.000Z';
const opened: TicketEvent = { type: 'TicketOpened', data: { ticketId: 't1', title: 'Printer on fire', openedAt: now } };
const closed: TicketEvent = { type: 'TicketClosed', data: { ticketId: 't1', resolution: 'Put it out', closedAt: now } };

describe('a ticket', () => {
  it('opens when it does not exist yet', () => {
    spec.given([]).when({ type: 'OpenTicket', ticketId: 't1', title: 'Printer on fire', now }).then([opened]);
  });

  it('is not opened twice', () => {
    spec.given([opened]).when({ type: 'OpenTicket', ticketId: 't1', title: 'Printer on fire', now }).thenNothing();
  });

  it('closes when open', () => {
    spec.given([opened]).when({ type: 'CloseTicket', ticketId: 't1', resolution: 'Put it out', now }).then([closed]);
  });

  it('cannot be closed before it is opened', () => {
    spec.given([]).when({ type: 'CloseTicket', ticketId: 't1', resolution: 'Put it out', now }).thenThrows(TicketNotFoundError);
  });

  it('closed again with the same resolution changes nothing; with another one it is refused', () => {
    spec.given([opened, closed]).when({ type: 'CloseTicket', ticketId: 't1', resolution: 'Put it out', now }).thenNothing();
    spec.given([opened, closed]).when({ type: 'CloseTicket', ticketId: 't1', resolution: 'Bought a new one', now }).thenThrows(TicketAlreadyClosedError);
  });
});
