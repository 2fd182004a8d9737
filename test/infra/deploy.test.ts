import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { azCommands, flattenOutputs, main } from '../../infra/scripts/src/deploy.ts';
import { UsageError } from '../../infra/scripts/src/cli.ts';
import { staticToken } from '../../infra/scripts/src/arm.ts';
import { FakeArm } from './fakeArm.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('deploy', () => {
  let dir: string;
  let params: string;
  let fake: FakeArm | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-'));
    params = join(dir, 'main.parameters.json');
    await copyFile(join(ROOT, 'infra/main.parameters.json'), params);
  });
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A stand-in az that records its arguments and answers deployment outputs. */
  const fakeAz = async (): Promise<{ az: string; argsLog: string }> => {
    const argsLog = join(dir, 'az-args.log');
    const az = join(dir, 'az');
    const outputs = JSON.stringify({
      subscriptionId: { type: 'String', value: 'sub-1' },
      resourceGroupName: { type: 'String', value: 'rg-eventlog' },
      eventsAccountName: { type: 'String', value: 'cosmos-eventlog-abc' },
      regions: { type: 'Array', value: [{ region: 'westeurope', functionAppName: 'func-eventlog-westeurope-abc', functionAppHostName: 'func-eventlog-westeurope-abc.azurewebsites.net' }] },
    });
    await writeFile(az, `#!/usr/bin/env bash\nset -euo pipefail\nprintf '%s\\n' "$*" >> '${argsLog}'\nif [[ "$1" == deployment ]]; then printf '%s' '${outputs}'; fi\n`);
    await chmod(az, 0o755);
    return { az, argsLog };
  };

  it('builds az group create and az deployment group create with the template and parameter file', () => {
    const commands = azCommands({ resourceGroup: 'rg', location: 'westeurope', deploymentName: 'eventlog', templateFile: 'infra/main.bicep', parametersFile: 'p.json', whatIf: false });
    expect(commands).toEqual([
      ['group', 'create', '--name', 'rg', '--location', 'westeurope', '--output', 'none'],
      ['deployment', 'group', 'create', '--resource-group', 'rg', '--name', 'eventlog', '--template-file', 'infra/main.bicep', '--parameters', '@p.json', '--query', 'properties.outputs', '--output', 'json'],
    ]);
    expect(azCommands({ resourceGroup: 'rg', deploymentName: 'd', templateFile: 't', parametersFile: 'p', whatIf: true, subscription: 's' })[0]!.slice(0, 3)).toEqual(['deployment', 'group', 'what-if']);
    expect(flattenOutputs({ a: { type: 'String', value: 'x' } })).toEqual({ a: 'x' });
  });

  it('runs az and saves the flattened outputs for the other scripts', async () => {
    const { az, argsLog } = await fakeAz();
    const deployments = join(dir, 'deployments');
    const lines: string[] = [];
    await main(['-g', 'rg-eventlog', '-l', 'westeurope', '--parameters', params], { env: { AZ_CLI: az, INFRA_DEPLOYMENTS_DIR: deployments }, log: (l) => lines.push(l) });
    const calls = (await readFile(argsLog, 'utf8')).trim().split('\n');
    expect(calls[0]).toBe('group create --name rg-eventlog --location westeurope --output none');
    expect(calls[1]).toContain('deployment group create --resource-group rg-eventlog --name eventlog --template-file ');
    expect(calls[1]).toContain(`--parameters @${params}`);
    const saved = JSON.parse(await readFile(join(deployments, 'rg-eventlog.json'), 'utf8'));
    expect(saved.eventsAccountName).toBe('cosmos-eventlog-abc');
    expect(lines.join('\n')).toContain('func-eventlog-westeurope-abc');
  });

  it('refuses a parameter file whose writeRegion is not priority 0, before running az', async () => {
    const { az, argsLog } = await fakeAz();
    const file = JSON.parse(await readFile(params, 'utf8'));
    file.parameters.writeRegion.value = 'northeurope';
    await writeFile(params, JSON.stringify(file));
    await expect(main(['-g', 'rg', '--parameters', params], { env: { AZ_CLI: az, INFRA_DEPLOYMENTS_DIR: dir }, log: () => {} })).rejects.toThrow(/writeRegion is northeurope but priority 0 is westeurope/);
    await expect(readFile(argsLog, 'utf8')).rejects.toThrow();
  });

  it('refuses to deploy over a failover the parameter file does not know about', async () => {
    const { az, argsLog } = await fakeAz();
    fake = new FakeArm({ policies: [ { locationName: 'westeurope', failoverPriority: 1 }, { locationName: 'northeurope', failoverPriority: 0 } ] });
    await fake.start();
    const deployments = join(dir, 'deployments');
    await mkdir(deployments);
    await writeFile(join(deployments, 'rg-eventlog.json'), JSON.stringify({ subscriptionId: 'sub-1', eventsAccountName: 'cosmos-eventlog-abc' }));
    const deps = { env: { AZ_CLI: az, INFRA_DEPLOYMENTS_DIR: deployments, ARM_ENDPOINT: fake.endpoint }, credential: staticToken('t'), log: () => {} };
    const error = await main(['-g', 'rg-eventlog', '--parameters', params], deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/writes in northeurope but the parameter file says westeurope.*failover --sync/);
    expect(fake.calls()).toEqual(['GET /']);
    await expect(readFile(argsLog, 'utf8')).rejects.toThrow();
  });

  it('dry run prints the az commands and runs nothing', async () => {
    const { az, argsLog } = await fakeAz();
    const lines: string[] = [];
    await main(['-g', 'rg-eventlog', '--parameters', params, '--dry-run'], { env: { AZ_CLI: az, INFRA_DEPLOYMENTS_DIR: dir }, log: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[dry-run\] .*az deployment group create --resource-group rg-eventlog/);
    await expect(readFile(argsLog, 'utf8')).rejects.toThrow();
  });
});
