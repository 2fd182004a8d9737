import { runLocalHost } from 'eventlog/app';
import { ticketsApp } from './app.ts';

// `npm start`: the app on the embedded SQLite store (DATA_DIR, default .data) on PORT (default 7071).
await runLocalHost(ticketsApp, { name: 'tickets' });
