// `eventlog/app`: joining a domain into an app and running it. `createApp` checks the declarations
// once; `runLocalHost` is `npm start` of the app (embedded SQLite store unless EVENT_STORE says
// otherwise); `openApp` opens it in a process of your own. The Functions entry point is
// `eventlog/functions`.

export { createApp, type AppDefinition, type AppOptions, type AppSource } from '../app/createApp.ts';
export type { AppModule } from '../app/module.ts';
export { openApp, type EventLogApp, type OpenAppOptions } from '../app/openApp.ts';
export { runLocalHost, type LocalHostRunOptions } from '../local/run.ts';
export { loadConfig, ConfigError, type Config } from '../config.ts';
export { openMailer, outboxDir } from '../reactors/openMailer.ts';
