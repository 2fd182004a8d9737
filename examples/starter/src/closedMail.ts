import { decodeEvent, defineReactor, type Mailer } from 'eventlog';
import { TicketEvents } from './tickets.ts';

// When a ticket is closed, mail its watchers. Locally (MAILER=outbox) each mail is an `.eml` file
// under DATA_DIR/outbox; in Azure, MAILER=acs sends it with Communication Services. The reactor runs
// at least once per event, so the message id comes from the event id: a redelivery overwrites the same
// file (the outbox) or is recognised as the same operation (ACS), and nobody gets two mails.

export const closedMail = (openMailer: () => Mailer | Promise<Mailer>, watchers = 'support@example.invalid') =>
  defineReactor({
    name: 'ticket-closed-mail',
    eventTypes: ['TicketClosed'],
    open: async () => ({ mailer: await openMailer() }),
    handle: async (stored, { mailer }) => {
      const event = decodeEvent(TicketEvents, stored);
      if (event?.type !== 'TicketClosed') return;
      await mailer.send({
        messageId: stored.id,
        to: watchers,
        subject: `Ticket ${event.data.ticketId} closed`,
        text: `Ticket ${event.data.ticketId} was closed at ${event.data.closedAt}:\n\n${event.data.resolution}\n`,
      });
    },
    // Stop calling a mail service that keeps failing; GET /api/projections shows the circuit.
    circuit: { failureThreshold: 5, openMs: 30_000 },
  });
