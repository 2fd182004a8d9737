import { openApp, type EventLogApp } from '../src/app/openApp.ts';
import { checkFunctionsHostConfig, loadConfig } from '../src/config.ts';
import { productApp } from '../src/product.ts';
import { jsonLogger } from '../src/telemetry/logger.ts';
import { telemetryPlan } from '../src/telemetry/config.ts';
import { startTelemetry } from '../src/telemetry/sdk.ts';

// Configuration is validated when the worker loads this module, so a bad setting fails the start.
export const config = checkFunctionsHostConfig(loadConfig(process.env));
export const definition = productApp(config);
// In Azure, APPLICATIONINSIGHTS_CONNECTION_STRING turns on traces and metrics to Application Insights.
const plan = telemetryPlan(process.env);
let app: Promise<EventLogApp> | undefined;

/** One app (one store client) per worker process, opened on first use. */
export const getApp = (): Promise<EventLogApp> =>
  (app ??= startTelemetry(plan, { region: config.REGION, logger: jsonLogger({ region: config.REGION }) }).then((telemetry) =>
    openApp(config, definition, { telemetry }),
  ));
