import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { stopOnSignals } from '../local/shutdown.ts';
import { productApp } from '../product.ts';
import { jsonLogger } from '../telemetry/logger.ts';
import { REGION_NAME } from './account.ts';
import { startRegionSimulation } from './simulation.ts';

// `npm run start:regions`: two regions of the product over one simulated account, each a full API with
// its own views, on PORT and PORT+1 (7071 and 7072 by default). Watch eventual consistency happen by
// writing to one and reading the other; cut, heal and fail over with the /api/regions routes.

const RegionName = z.string().regex(REGION_NAME, 'must be lower-case letters, digits and - (at most 50)');

const SimulationSettings = z.object({
  REGIONS: z
    .string()
    .default('west,east')
    .transform((value) => value.split(',').map((name) => name.trim()))
    .pipe(
      z
        .array(RegionName)
        .min(2, 'needs at least two region names, comma-separated')
        .refine((names) => new Set(names).size === names.length, 'must name each region once'),
    ),
  WRITE_MODE: z.enum(['single-write', 'multi-write']).default('single-write'),
  REPLICATION_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(2_000),
  CROSS_REGION_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(30),
  RECONCILE_EVERY_MS: z.coerce.number().int().min(0).max(86_400_000).default(10_000),
});
type SimulationSettings = z.infer<typeof SimulationSettings>;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};

const loadSettings = (env: NodeJS.ProcessEnv): { config: Config; settings: SimulationSettings } => {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const values = Object.fromEntries(Object.keys(SimulationSettings.shape).flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  const parsed = SimulationSettings.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'REGIONS');
    return fail(`Invalid configuration: ${name} ${issue.message} (got "${values[name as keyof typeof values]}")`);
  }
  if (config.EVENT_STORE === 'cosmos') fail('Invalid configuration: EVENT_STORE the region simulation runs on the embedded store (sqlite or memory)');
  return { config, settings: parsed.data };
};

const main = async (): Promise<void> => {
  const { config, settings } = loadSettings(process.env);
  const logger = jsonLogger({ host: 'regions' });
  const ports = settings.REGIONS.map((_, index) => (config.PORT === 0 ? 0 : config.PORT + index));
  const simulation = await startRegionSimulation({
    config,
    definition: productApp(config),
    account: {
      regions: settings.REGIONS,
      mode: settings.WRITE_MODE,
      replicationLagMs: settings.REPLICATION_LAG_MS,
      crossRegionLatencyMs: settings.CROSS_REGION_LATENCY_MS,
    },
    ports,
    logger,
    reconcileEveryMs: settings.RECONCILE_EVERY_MS,
  });

  const [first, second] = simulation.hosts as [typeof simulation.hosts[0], typeof simulation.hosts[0]];
  const lines = [
    `eventlog regions (${settings.WRITE_MODE}, replication lag ${settings.REPLICATION_LAG_MS} ms, data in ${resolve(config.DATA_DIR, 'regions')})`,
    ...simulation.hosts.map((host) => `  ${host.region.padEnd(12)} ${host.url}/api${host.region === simulation.account.writeRegion && settings.WRITE_MODE === 'single-write' ? '   (write region)' : ''}`),
    '',
    'Try:',
    `  curl -s -XPOST ${first.url}/api/streams/Order/o-1/events -H 'content-type: application/json' -d '{"events":[{"type":"Placed","data":{}}]}'`,
    `  curl -s ${second.url}/api/streams/Order/o-1      # 404 until replication catches up`,
    `  curl -s ${first.url}/api/regions                   # write region, lag, conflicts`,
    `  curl -s -XPOST ${first.url}/api/regions/${first.region}/cut     # partition a region (then .../heal)`,
    `  curl -s -XPOST ${first.url}/api/regions/failover -H 'content-type: application/json' -d '{"to":"${second.region}","force":true}'`,
    `  curl -s -XPOST ${first.url}/api/regions/reconcile   # run this region's reconciler now`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (config.API_KEY === undefined && config.ADMIN_KEY === undefined)
    logger.warn('API_KEY and ADMIN_KEY are unset: every route, the region controls included, is open to anyone who can reach these ports');

  stopOnSignals(async (signal) => {
    process.stdout.write(`${signal}: closing the regions\n`);
    await simulation.close();
  });
};

await main();
