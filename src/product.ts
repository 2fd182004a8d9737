import { createApp, type AppDefinition } from './app/createApp.ts';
import type { AppModule } from './app/module.ts';
import type { Config } from './config.ts';
import type { CircuitSettings } from './domain/activationMail.ts';
import { referenceDomain } from './domain/module.ts';
import type { Mailer } from './reactors/mailer.ts';
import { openMailer } from './reactors/openMailer.ts';

// The product as it ships: the generic event log (src/app adds the API and the `stream` view) with the
// reference domain as its one module. Both hosts (src/local, functions/) and `start:regions` open this.

export interface ProductOverrides {
  /** Replaces the configured mailer (tests). */
  mailer?: Mailer;
  breaker?: CircuitSettings;
}

export const productModules = (config: Config, overrides: ProductOverrides = {}): AppModule[] => [
  referenceDomain({
    reservationTimeoutMs: config.EMAIL_RESERVATION_TIMEOUT_SECONDS * 1000,
    sweepIntervalMs: config.EMAIL_RESERVATION_SWEEP_SECONDS * 1000,
    mailer: () => overrides.mailer ?? openMailer(config),
    breaker: overrides.breaker,
  }),
];

export const productApp = (config: Config, overrides: ProductOverrides = {}): AppDefinition => createApp(productModules(config, overrides));
