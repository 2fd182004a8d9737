import { registerApp } from 'eventlog/functions';
import { ticketsApp } from './app.ts';

// The Azure Functions entry point (package.json "main", after `npm run build`): every route, change-feed
// trigger and timer of the app, registered in one call.
registerApp(ticketsApp);
