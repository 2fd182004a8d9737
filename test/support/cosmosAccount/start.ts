// `npm run start:cosmos`: the Cosmos DB test account on loopback and the local host on it
// (EVENT_STORE=cosmos), to try the product's Cosmos DB path without Azure. Test infrastructure: the
// host talks to the account only through @azure/cosmos, exactly as it would to Azure Cosmos DB.
//
//   npm run start:cosmos                                     one region, westeurope
//   REGIONS=westeurope,northeurope npm run start:cosmos      a two-region account; the host of the
//                                                            first region starts here, and the command
//                                                            for each other region's host is printed
//
// Every other setting of the local host (PORT, HOST, DATA_DIR, API_KEY, ...) is read from the
// environment as `npm start` reads it. Runs with the project's Node 22 (npm puts it first on PATH).
import { regionName } from './regions/regionNames.ts';
import { initAccountDatabase, startCosmosAccount, type CosmosTestAccount } from './index.ts';

const fail = (message: string): never => {
  process.stderr.write(`start:cosmos: ${message}\n`);
  process.exit(2);
};

const regions = (process.env.REGIONS || 'westeurope')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
if (regions.length === 0) fail('REGIONS names no region (e.g. REGIONS=westeurope,northeurope)');
const names = regions.map((name) => {
  try {
    return regionName(name).name;
  } catch (error) {
    return fail(`REGIONS: ${(error as Error).message}`);
  }
});
if (new Set(names).size !== names.length) fail(`REGIONS names a region twice: ${regions.join(',')}`);

const account = await startCosmosAccount({ regions: names, name: 'eventlog-local', maxLoggedRequests: 1_000 });
await initAccountDatabase(account);
// Each other region keeps its views in an account of its own, as each Azure region does; the first
// region's views live in the event account (VIEWS_ENDPOINT unset).
const viewsAccounts = new Map<string, CosmosTestAccount>();
for (const name of names.slice(1)) {
  const views = await startCosmosAccount({ regions: [name], name: `eventlog-views-${name}`, maxLoggedRequests: 1_000 });
  await initAccountDatabase(views);
  viewsAccounts.set(name, views);
}

const [first] = names as [string, ...string[]];
const settings = { EVENT_STORE: 'cosmos', COSMOS_ENDPOINT: account.endpoint, COSMOS_KEY: account.key };
const out = (line = ''): void => void process.stdout.write(`${line}\n`);
out(`Cosmos DB test account on ${account.endpoint} (regions ${account.regions.map((r) => `${r.name} ${r.endpoint}`).join(', ')}; write region ${account.writeRegions().join(', ')})`);
out(`COSMOS_ENDPOINT=${account.endpoint} COSMOS_KEY=${account.key}`);
const port = Number(process.env.PORT ?? 7071);
names.slice(1).forEach((name, i) => {
  const views = viewsAccounts.get(name)!;
  const env = {
    ...settings,
    REGION: name,
    VIEWS_ENDPOINT: views.endpoint,
    VIEWS_KEY: views.key,
    PORT: String(port === 0 ? 0 : port + i + 1),
    REACTORS_ENABLED: 'false',
  };
  out(`host of ${name}, in another terminal (side effects run in ${first} only):`);
  out(`  ${Object.entries(env).map(([key, value]) => `${key}=${value}`).join(' ')} npm start`);
});
out();

// The local host, in this process, as `npm start` runs it, configured for the account's first region.
Object.assign(process.env, settings, { REGION: first });
delete process.env.VIEWS_ENDPOINT;
delete process.env.VIEWS_KEY;
delete process.env.VIEWS__accountEndpoint;
delete process.env.COSMOS__accountEndpoint;
await import('../../../src/main.ts');
