import { openApp, type EventLogApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

// Configuration is validated when the worker loads this module, so a bad setting fails the start.
const config = loadConfig(process.env);
let app: Promise<EventLogApp> | undefined;

/** One app (one store client) per worker process, opened on first use. */
export const getApp = (): Promise<EventLogApp> => (app ??= openApp(config));
