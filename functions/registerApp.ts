import { app as functionsHost } from '@azure/functions';
import { definitionOf, type AppSource } from '../src/app/createApp.ts';
import { openApp, type EventLogApp } from '../src/app/openApp.ts';
import { checkFunctionsHostConfig, loadConfig } from '../src/config.ts';
import { jsonLogger } from '../src/telemetry/logger.ts';
import { telemetryPlan } from '../src/telemetry/config.ts';
import { startTelemetry } from '../src/telemetry/sdk.ts';
import { registerFunctions, type FunctionsApp } from './register.ts';

// `eventlog/functions`: the Functions entry point of an app is one call, `registerApp(createMyApp)`,
// in the file package.json "main" names. It registers an HTTP function per route, a change-feed
// trigger per projection and reactor, and the timers (docs/build-your-own.md).

export type { FunctionsApp } from './register.ts';

/**
 * Registers every function of the app with the Functions host. Configuration is validated here, when
 * the worker loads the entry point, so a bad setting fails the start; the app (its store clients) is
 * opened once per worker process, on the first invocation.
 */
export const registerApp = (source: AppSource, env: Record<string, string | undefined> = process.env): FunctionsApp => {
  const config = checkFunctionsHostConfig(loadConfig(env));
  const definition = definitionOf(source, config);
  // In Azure, APPLICATIONINSIGHTS_CONNECTION_STRING turns on traces and metrics to Application Insights.
  const plan = telemetryPlan(env);
  let app: Promise<EventLogApp> | undefined;
  const getApp = (): Promise<EventLogApp> =>
    (app ??= startTelemetry(plan, { region: config.REGION, logger: jsonLogger({ region: config.REGION }) }).then((telemetry) =>
      openApp(config, definition, { telemetry }),
    ));
  const registered = { definition, config, getApp };
  // The feed's Server-Sent Events are a streamed response (https://learn.microsoft.com/azure/azure-functions/functions-reference-node#http-streams).
  functionsHost.setup({ enableHttpStream: true });
  registerFunctions(registered);
  return registered;
};
