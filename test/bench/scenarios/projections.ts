import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openApp, type EventLogApp } from '../../../src/app/openApp.ts';
import { loadConfig } from '../../../src/config.ts';
import { productApp } from '../../../src/product.ts';
import { hasGlobalLog } from '../../../src/core/index.ts';
import { DEFAULT_BATCH_SIZE } from '../../../src/consumers/follower.ts';
import { fill } from '../fill.ts';
import type { Contender, Sample } from '../measure.ts';


/** A fresh app over a fresh SQLite log of `events` events on `streams` streams; filling it is not timed. */
const withFilledLog = async (root: string, events: number, streams: number, measure: (app: EventLogApp) => Promise<Sample>): Promise<Sample> => {
  const dir = mkdtempSync(join(root, 'projection-'));
  const config = loadConfig({ EVENT_STORE: 'sqlite', DATA_DIR: dir, PORT: '0' });
  const app = await openApp(config, productApp(config));
  try {
    await fill(app.services.eventStore, events, (i) => ({ aggregateType: 'Bench', aggregateId: `p${i % streams}` }));
    return await measure(app);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * Projection throughput: the local host's projections (its runtime and poller, over its SQLite views)
 * started on a filled log and timed until they report no lag.
 */
export const projectionCatchUp = (name: string, root: string, events: number, streams: number): Contender => ({
  name,
  round: () =>
    withFilledLog(root, events, streams, async (app) => {
      const start = performance.now();
      app.start();
      for (;;) {
        const entries = await app.consumers.entries();
        if (entries.every((e) => e.lag === 0)) break;
        if (entries.some((e) => e.status === 'halted')) throw new Error(`projection halted: ${JSON.stringify(entries)}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return { events, seconds: (performance.now() - start) / 1000, latencies: [], operations: 1 };
    }),
});

/** The limit a projection works against: reading the same log in the poller's page size, doing nothing with it. */
export const logRead = (name: string, root: string, events: number, streams: number): Contender => ({
  name,
  round: () =>
    withFilledLog(root, events, streams, async (app) => {
      const log = app.services.eventStore;
      if (!hasGlobalLog(log)) throw new Error('the sqlite store has no global log');
      const latencies: number[] = [];
      const start = performance.now();
      for (let position = 0; ; ) {
        const begun = performance.now();
        const page = await log.readAll(position, DEFAULT_BATCH_SIZE);
        latencies.push(performance.now() - begun);
        if (page.length === 0) break;
        position = page[page.length - 1]!.position;
      }
      return { events, seconds: (performance.now() - start) / 1000, latencies, operations: latencies.length };
    }),
});
