import type { ApiServices } from './api/services.ts';
import type { Config } from './config.ts';
import { packageInfo } from './packageInfo.ts';
import { openEventStore } from './stores/openEventStore.ts';

export interface EventLogApp {
  config: Config;
  services: ApiServices;
  close(): Promise<void>;
}

/** The composition root both hosts share: config in, wired services out. */
export const openApp = async (config: Config): Promise<EventLogApp> => {
  const eventStore = await openEventStore(config);
  const services: ApiServices = { eventStore, region: config.REGION, version: packageInfo.version };
  return {
    config,
    services,
    close: () => eventStore.close(),
  };
};
