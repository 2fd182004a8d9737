import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeArm } from './fakeArm.ts';
import { ArmClient, ArmError, staticToken } from '../../infra/scripts/src/arm.ts';
import { type Context, UsageError, contextFrom } from '../../infra/scripts/src/cli.ts';
import { failover, main as failoverMain } from '../../infra/scripts/src/failover.ts';
import { promote } from '../../infra/scripts/src/priorities.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PARAMETERS = join(ROOT, 'infra/main.parameters.json');

interface Harness {
  ctx: Context;
  lines: string[];
  sleeps: number[];
}

const harness = async (fake: FakeArm, dryRun = false): Promise<Harness> => {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const ctx = await contextFrom(
    {
      env: { ARM_ENDPOINT: fake.endpoint },
      credential: staticToken('test-token'),
      log: (line) => lines.push(line),
      sleep: async (ms) => void sleeps.push(ms),
      pollIntervalMs: 5,
    },
    dryRun,
  );
  return { ctx, lines, sleeps };
};

describe('failover (planned write-region move) against a loopback ARM', () => {
  let fake: FakeArm;
  let dir: string;
  let params: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'failover-'));
    params = join(dir, 'main.parameters.json');
    await copyFile(PARAMETERS, params);
  });
  afterEach(async () => {
    await fake?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const ref = () => ({ subscriptionId: fake.options.subscriptionId, resourceGroup: fake.options.resourceGroup, accountName: fake.options.accountName });

  it('posts failoverPriorityChange, polls Azure-AsyncOperation to Succeeded, verifies writeLocations, updates the parameter file', async () => {
    fake = new FakeArm({ inProgressPolls: 2, retryAfterSeconds: 3 });
    await fake.start();
    const { ctx, sleeps } = await harness(fake);

    const result = await failover(ctx, { ref: ref(), to: 'northeurope', parametersFile: params });

    expect(result).toMatchObject({ from: 'westeurope', to: 'northeurope', changed: true });
    expect(fake.calls()).toEqual([
      'GET /',
      'POST /failoverPriorityChange',
      'GET /subscriptions/sub-1/providers/Microsoft.DocumentDB/locations/westeurope/operationsStatus/op-1',
      'GET /subscriptions/sub-1/providers/Microsoft.DocumentDB/locations/westeurope/operationsStatus/op-1',
      'GET /subscriptions/sub-1/providers/Microsoft.DocumentDB/locations/westeurope/operationsStatus/op-1',
      'GET /',
    ]);
    const post = fake.requests[1]!;
    expect(post.body).toEqual({
      failoverPolicies: [
        { locationName: 'northeurope', failoverPriority: 0 },
        { locationName: 'westeurope', failoverPriority: 1 },
      ],
    });
    expect(fake.requests.every((r) => r.apiVersion === '2025-10-15')).toBe(true);
    expect(fake.requests.every((r) => r.authorization === 'Bearer test-token')).toBe(true);
    // Retry-After of the 202 and of each InProgress poll is honoured.
    expect(sleeps.slice(0, 3)).toEqual([3000, 3000, 3000]);

    const file = JSON.parse(await readFile(params, 'utf8'));
    expect(file.parameters.writeRegion.value).toBe('northeurope');
    // Order is kept (the first entry is the account's home location), priorities swap.
    expect(file.parameters.locations.value).toEqual([
      { locationName: 'westeurope', failoverPriority: 1, isZoneRedundant: false },
      { locationName: 'northeurope', failoverPriority: 0, isZoneRedundant: false },
    ]);
  });

  it('polls a Location header until 200 when the service gives no Azure-AsyncOperation', async () => {
    fake = new FakeArm({ pollStyle: 'location', inProgressPolls: 1 });
    await fake.start();
    const { ctx } = await harness(fake);
    await failover(ctx, { ref: ref(), to: 'northeurope' });
    expect(fake.calls().filter((c) => c.includes('operationsStatus'))).toHaveLength(2);
    expect(fake.writeRegion()).toBe('northeurope');
  });

  it('promotes a third region without reordering the others', async () => {
    fake = new FakeArm({
      policies: [
        { locationName: 'westeurope', failoverPriority: 0 },
        { locationName: 'northeurope', failoverPriority: 1 },
        { locationName: 'eastus', failoverPriority: 2 },
      ],
    });
    await fake.start();
    const { ctx } = await harness(fake);
    await failover(ctx, { ref: ref(), to: 'eastus' });
    expect(fake.requests[1]!.body).toEqual({
      failoverPolicies: [
        { locationName: 'eastus', failoverPriority: 0 },
        { locationName: 'westeurope', failoverPriority: 1 },
        { locationName: 'northeurope', failoverPriority: 2 },
      ],
    });
  });

  it('dry run: reads the account, prints the POST and its body, sends nothing and writes no file', async () => {
    fake = new FakeArm();
    await fake.start();
    const { ctx, lines } = await harness(fake, true);
    const before = await readFile(params, 'utf8');

    const result = await failover(ctx, { ref: ref(), to: 'northeurope', parametersFile: params });

    expect(result.changed).toBe(false);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
    const printed = lines.join('\n');
    expect(printed).toContain(`[dry-run] would POST ${fake.endpoint}${fake.accountPath}/failoverPriorityChange?api-version=2025-10-15`);
    expect(printed).toContain('"failoverPolicies":[{"locationName":"northeurope","failoverPriority":0},{"locationName":"westeurope","failoverPriority":1}]');
    expect(printed).toContain('[dry-run] would set');
    expect(await readFile(params, 'utf8')).toBe(before);
    expect(fake.writeRegion()).toBe('westeurope');
  });

  it('dry run without access to ARM plans from the parameter file and still prints the exact call', async () => {
    fake = new FakeArm();
    await fake.start();
    const lines: string[] = [];
    const ctx = await contextFrom(
      {
        env: { ARM_ENDPOINT: fake.endpoint },
        credential: { getToken: async () => { throw new Error('no credential available'); } },
        log: (line) => lines.push(line),
        sleep: async () => {},
        pollIntervalMs: 5,
      },
      true,
    );
    const before = await readFile(params, 'utf8');

    await failover(ctx, { ref: ref(), to: 'northeurope', parametersFile: params });

    const printed = lines.join('\n');
    expect(printed).toContain('cannot read the account (no credential available); planning from');
    expect(printed).toContain(`[dry-run] would POST ${fake.endpoint}${fake.accountPath}/failoverPriorityChange?api-version=2025-10-15`);
    expect(printed).toContain('"failoverPolicies":[{"locationName":"northeurope","failoverPriority":0},{"locationName":"westeurope","failoverPriority":1}]');
    expect(fake.requests).toEqual([]);
    expect(await readFile(params, 'utf8')).toBe(before);
  });

  it('fails when the operation ends Failed, and leaves the parameter file alone', async () => {
    fake = new FakeArm({ operationOutcome: 'Failed' });
    await fake.start();
    const { ctx } = await harness(fake);
    const before = await readFile(params, 'utf8');
    await expect(failover(ctx, { ref: ref(), to: 'northeurope', parametersFile: params })).rejects.toThrow(/operation failed \(FailoverFailed\)/);
    expect(await readFile(params, 'utf8')).toBe(before);
  });

  it('retries a 409 (account busy) after Retry-After, then succeeds', async () => {
    fake = new FakeArm();
    await fake.start();
    const busy = { status: 409, headers: { 'retry-after': '4' }, body: { error: { code: 'Conflict', message: 'operation in progress' } } };
    fake.queue('POST', '/failoverPriorityChange', busy, busy);
    const { ctx, sleeps } = await harness(fake);
    await failover(ctx, { ref: ref(), to: 'northeurope' });
    expect(fake.calls().filter((c) => c === 'POST /failoverPriorityChange')).toHaveLength(3);
    expect(sleeps.slice(0, 2)).toEqual([4000, 4000]);
    expect(fake.writeRegion()).toBe('northeurope');
  });

  it('gives up on a 409 that never clears, after a bounded number of tries', async () => {
    fake = new FakeArm();
    await fake.start();
    const busy = { status: 409, headers: { 'retry-after': '1' }, body: { error: { code: 'Conflict', message: 'operation in progress' } } };
    fake.queue('POST', '/failoverPriorityChange', ...Array.from({ length: 50 }, () => busy));
    const { ctx } = await harness(fake);
    await expect(failover(ctx, { ref: ref(), to: 'northeurope' })).rejects.toThrow(/409 Conflict: operation in progress/);
    expect(fake.calls().filter((c) => c === 'POST /failoverPriorityChange')).toHaveLength(6);
  });

  it('waits out a 429 with Retry-After and retries, bounded', async () => {
    fake = new FakeArm();
    await fake.start();
    fake.queue('GET', '', { status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } });
    const { ctx, sleeps } = await harness(fake);
    await failover(ctx, { ref: ref(), to: 'northeurope' });
    expect(sleeps[0]).toBe(7000);
    expect(fake.calls().slice(0, 3)).toEqual(['GET /', 'GET /', 'POST /failoverPriorityChange']);

    const again = new FakeArm();
    await again.start();
    again.queue('GET', '', ...Array.from({ length: 50 }, () => ({ status: 429, headers: { 'retry-after': '1' } })));
    const h = await harness(again);
    await expect(failover(h.ctx, { ref: ref(), to: 'northeurope' })).rejects.toThrow(/answered 429/);
    expect(again.requests).toHaveLength(7);
    await again.stop();
  });

  it('does nothing but sync the file when the region already writes', async () => {
    fake = new FakeArm({
      policies: [
        { locationName: 'westeurope', failoverPriority: 1 },
        { locationName: 'northeurope', failoverPriority: 0 },
      ],
    });
    await fake.start();
    const { ctx } = await harness(fake);
    const result = await failover(ctx, { ref: ref(), to: 'North Europe', parametersFile: params });
    expect(result.changed).toBe(false);
    expect(fake.calls()).toEqual(['GET /']);
    expect(JSON.parse(await readFile(params, 'utf8')).parameters.writeRegion.value).toBe('northeurope');
  });

  it('fails when the account does not report the new write region after success (bounded re-reads)', async () => {
    fake = new FakeArm({ ignoreFailover: true });
    await fake.start();
    const { ctx } = await harness(fake);
    await expect(failover(ctx, { ref: ref(), to: 'northeurope', verifyAttempts: 3 })).rejects.toThrow(/writes in westeurope, not northeurope/);
    expect(fake.calls().filter((c) => c === 'GET /')).toHaveLength(4);
  });

  it('refuses an unknown region and a multi-write account without posting anything', async () => {
    fake = new FakeArm();
    await fake.start();
    const { ctx } = await harness(fake);
    await expect(failover(ctx, { ref: ref(), to: 'eastasia' })).rejects.toBeInstanceOf(UsageError);
    await fake.stop();

    fake = new FakeArm({ multiWrite: true });
    await fake.start();
    const h = await harness(fake);
    await expect(failover(h.ctx, { ref: ref(), to: 'northeurope' })).rejects.toThrow(/every region/);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('stops polling an operation that never ends, after maxPolls', async () => {
    fake = new FakeArm({ inProgressPolls: 1_000 });
    await fake.start();
    const client = new ArmClient({ credential: staticToken('t'), endpoint: fake.endpoint, sleep: async () => {}, maxPolls: 4, log: () => {} });
    await expect(client.postAction(`${fake.accountPath}/failoverPriorityChange`, '2025-10-15', { failoverPolicies: promote(fake.policies, 'northeurope') })).rejects.toThrow(/after 4 polls/);
    expect(fake.calls().filter((c) => c.includes('operationsStatus'))).toHaveLength(4);
  });

  it('never sends the token to a poll URL outside the ARM endpoint', async () => {
    fake = new FakeArm();
    await fake.start();
    fake.queue('POST', '/failoverPriorityChange', { status: 202, headers: { 'azure-asyncoperation': 'http://192.0.2.1/operations/1' } });
    const { ctx } = await harness(fake);
    const error = await failover(ctx, { ref: ref(), to: 'northeurope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmError);
    expect((error as ArmError).code).toBe('ForeignOrigin');
  });

  it('CLI: main() resolves the account from flags and exits through UsageError on bad arguments', async () => {
    fake = new FakeArm();
    await fake.start();
    const lines: string[] = [];
    const deps = {
      env: { ARM_ENDPOINT: fake.endpoint },
      credential: staticToken('cli-token'),
      log: (l: string) => lines.push(l),
      sleep: async () => {},
      pollIntervalMs: 1,
    };
    await failoverMain(['--to', 'northeurope', '--subscription', 'sub-1', '-g', 'rg-eventlog', '--account', 'cosmos-eventlog-abc', '--parameters', params], deps);
    expect(fake.writeRegion()).toBe('northeurope');
    expect(JSON.parse(await readFile(params, 'utf8')).parameters.writeRegion.value).toBe('northeurope');
    await expect(failoverMain(['--subscription', 's'], deps)).rejects.toBeInstanceOf(UsageError);
    await expect(failoverMain(['--to', 'x'], { ...deps, env: {} })).rejects.toThrow(/missing --subscription/);
  });
});

describe('infra/scripts/failover (the shell wrapper)', () => {
  let fake: FakeArm;
  let dir: string;
  afterEach(async () => {
    await fake?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(join(ROOT, 'infra/scripts/failover'), args, {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, NODE: process.execPath, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  it('runs the TypeScript with node, fails over with a static token, and exits 0; exits 2 on bad usage', async () => {
    dir = await mkdtemp(join(tmpdir(), 'failover-cli-'));
    const params = join(dir, 'p.json');
    await copyFile(PARAMETERS, params);
    fake = new FakeArm();
    await fake.start();
    const env = {
      ARM_ENDPOINT: fake.endpoint,
      ARM_ACCESS_TOKEN: 'wrapper-token',
      ARM_POLL_INTERVAL_MS: '1',
      AZURE_SUBSCRIPTION_ID: 'sub-1',
      AZURE_RESOURCE_GROUP: 'rg-eventlog',
      COSMOS_ACCOUNT_NAME: 'cosmos-eventlog-abc',
    };
    const ok = await run(['--to', 'northeurope', '--parameters', params], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('write region is now northeurope (verified)');
    expect(fake.requests.every((r) => r.authorization === 'Bearer wrapper-token')).toBe(true);
    expect(JSON.parse(await readFile(params, 'utf8')).parameters.writeRegion.value).toBe('northeurope');

    const bad = await run(['--bogus'], env);
    expect(bad.code).toBe(2);
    const usage = await run([], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give either --to <region> or --sync');
  }, 60_000);
});
