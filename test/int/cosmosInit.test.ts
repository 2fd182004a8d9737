import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CosmosClient } from '@azure/cosmos';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCosmosAccount, TEST_KEY, type CosmosTestAccount } from '../support/cosmosAccount/index.ts';

// What `npm run cosmos:init` runs.
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const run = promisify(execFile);

let server: CosmosTestAccount;
beforeEach(async () => {
  server = await startCosmosAccount();
});
afterEach(async () => {
  await server.close();
});

const init = (env: Record<string, string>) =>
  run(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'init', '--store', 'cosmos'], { env: { PATH: process.env.PATH, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('npm run cosmos:init', () => {
  it('creates the database and the containers of the design, and a second run changes nothing', async () => {
    const env = { COSMOS_ENDPOINT: server.endpoint, COSMOS_KEY: TEST_KEY, COSMOS_DATABASE: 'initdb' };
    const first = await init(env);
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n').map((line) => line.split(' ')[0])).toEqual(['created', 'created', 'created', 'created']);
    expect(first.stdout).toContain('initdb/events');

    const client = new CosmosClient({ endpoint: server.endpoint, key: TEST_KEY });
    try {
      const { resource: events } = await client.database('initdb').container('events').read();
      expect(events?.partitionKey?.paths).toEqual(['/streamId']);
      expect(events?.uniqueKeyPolicy?.uniqueKeys).toEqual([{ paths: ['/aggregateType', '/aggregateId', '/sequence'] }]);
      expect(events?.indexingPolicy?.excludedPaths?.map((p) => p.path)).toEqual(expect.arrayContaining(['/data/*', '/metadata/*']));
      for (const [id, key] of [['leases', '/id'], ['views', '/id'], ['snapshots', '/streamId']] as const)
        expect((await client.database('initdb').container(id).read()).resource?.partitionKey?.paths).toEqual([key]);
    } finally {
      client.dispose();
    }

    const again = await init(env);
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split('\n').every((line) => line.startsWith('exists'))).toBe(true);
  });

  it('refuses a container that exists with other keys, naming it', async () => {
    const client = new CosmosClient({ endpoint: server.endpoint, key: TEST_KEY });
    try {
      const { database } = await client.databases.createIfNotExists({ id: 'eventlog' });
      await database.containers.createIfNotExists({ id: 'events', partitionKey: { paths: ['/id'] } });
    } finally {
      client.dispose();
    }
    const result = await init({ COSMOS_ENDPOINT: server.endpoint, COSMOS_KEY: TEST_KEY });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^eventlog: container events in database eventlog exists with .*\/id.*recreate it/);
  });

  it('fails with one line naming the setting when no account is configured', async () => {
    const result = await init({});
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^eventlog: Invalid configuration: COSMOS__accountEndpoint /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
