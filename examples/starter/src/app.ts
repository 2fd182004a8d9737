import { createApp, openMailer, type Config } from 'eventlog/app';
import { closedMail } from './closedMail.ts';
import { tickets } from './tickets.ts';
import { ticketProjection } from './views.ts';

// The whole app as data: both hosts (src/main.ts locally, src/functions.ts in Azure) and the tests open it.
export const ticketsApp = (config: Config) =>
  createApp({
    name: 'tickets',
    aggregates: [tickets],
    projections: [ticketProjection],
    reactors: [closedMail(() => openMailer(config))],
  });
