// The templates read as text: structure across files (module files, params and outputs that exist)
// and the contract with the code (app settings, API versions, RBAC). The grammar, the property names
// and the container shapes are checked in bicepCheck.test.ts.
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COSMOS_API_VERSION } from '../../infra/scripts/src/cosmos.ts';
import { parameterProblems, parseParameterFile } from '../../infra/scripts/src/params.ts';

const INFRA = fileURLToPath(new URL('../../infra/', import.meta.url));
const read = (path: string): string => readFileSync(join(INFRA, path), 'utf8');

/**
 * The source with comments and string contents blanked (same length, newlines kept), so
 * braces in strings do not count and offsets still match the source.
 */
const code = (source: string): string => {
  let out = '';
  let i = 0;
  const blank = (to: number) => {
    for (; i < to; i++) out += source[i] === '\n' ? '\n' : ' ';
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      blank(end < 0 ? source.length : end);
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      blank(end < 0 ? source.length : end + 2);
    } else if (c === "'") {
      out += "'";
      i++;
      while (i < source.length && source[i] !== "'") {
        if (source[i] === '\\' && i + 1 < source.length) {
          out += ' ';
          i++;
        }
        out += source[i] === '\n' ? '\n' : ' ';
        i++;
      }
      out += "'";
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
};

const balanced = (source: string): string | undefined => {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const c of code(source)) {
    if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return `unexpected ${c}`;
  }
  return stack.length === 0 ? undefined : `unclosed ${stack.join('')}`;
};

/** The balanced {...} that starts at the first '{' at or after `from` (in blanked code). */
const blockAt = (blanked: string, from: number): { start: number; end: number } => {
  const start = blanked.indexOf('{', from);
  let depth = 0;
  for (let i = start; i < blanked.length; i++) {
    if (blanked[i] === '{') depth++;
    else if (blanked[i] === '}' && --depth === 0) return { start, end: i + 1 };
  }
  throw new Error('unbalanced block');
};

/** Keys at the top level of an object block. */
const topKeys = (blanked: string, block: { start: number; end: number }): string[] => {
  const keys: string[] = [];
  let depth = 0;
  const body = blanked.slice(block.start, block.end);
  for (const line of body.split('\n')) {
    const match = /^\s*([A-Za-z_][\w]*)\s*:/.exec(line);
    if (depth === 1 && match) keys.push(match[1]!);
    for (const c of line) {
      if (c === '{' || c === '[' || c === '(') depth++;
      else if (c === '}' || c === ']' || c === ')') depth--;
    }
  }
  return keys;
};

interface Param {
  name: string;
  required: boolean;
}

const paramsOf = (source: string): Param[] =>
  [...source.matchAll(/^param\s+(\w+)\s+([^\n=]+?)(\s*=.*)?$/gm)].map((m) => ({
    name: m[1]!,
    required: m[3] === undefined && !m[2]!.trim().endsWith('?'),
  }));

const outputsOf = (source: string): string[] => [...source.matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]!);

const bicepFiles = ['main.bicep', ...readdirSync(join(INFRA, 'modules')).filter((f) => f.endsWith('.bicep')).map((f) => `modules/${f}`)];

/** The properties.resource block of the container named `name`. */
const container = (source: string, name: string): string => {
  const at = source.search(new RegExp(`containers@[^']+' = \\{\\s*parent: \\w+\\s*name: '${name}'`));
  expect(at, `container ${name}`).toBeGreaterThan(-1);
  const blanked = code(source);
  const block = blockAt(blanked, at);
  return source.slice(block.start, block.end);
};

describe('Bicep templates: structure', () => {
  it.each(bicepFiles)('%s has balanced brackets', (file) => {
    expect(balanced(read(file))).toBeUndefined();
  });

  it('every module reference points at a file, passes only declared params and every required one, and reads only declared outputs', () => {
    const problems: string[] = [];
    for (const file of bicepFiles) {
      const source = read(file);
      const blanked = code(source);
      const modules = new Map<string, string>();
      for (const m of source.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*(\[|if|\{)/gm)) {
        const target = join(dirname(join(INFRA, file)), m[2]!);
        if (!existsSync(target)) {
          problems.push(`${file}: module ${m[1]} -> missing ${m[2]}`);
          continue;
        }
        const targetSource = readFileSync(target, 'utf8');
        modules.set(m[1]!, targetSource);
        const declared = paramsOf(targetSource);
        const paramsAt = blanked.indexOf('params:', m.index);
        const passed = topKeys(blanked, blockAt(blanked, paramsAt));
        for (const p of passed) if (!declared.some((d) => d.name === p)) problems.push(`${file}: module ${m[1]} passes unknown param ${p}`);
        for (const d of declared) if (d.required && !passed.includes(d.name)) problems.push(`${file}: module ${m[1]} misses required param ${d.name}`);
      }
      for (const ref of source.matchAll(/\b(\w+)(?:\[\w+\])?\.outputs\.(\w+)/g)) {
        const target = modules.get(ref[1]!);
        if (target === undefined) problems.push(`${file}: ${ref[0]} names no module`);
        else if (!outputsOf(target).includes(ref[2]!)) problems.push(`${file}: ${ref[0]}: no such output`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses stable API versions, and the scripts call Cosmos DB with the templates\' version', () => {
    const versions = new Map<string, Set<string>>();
    for (const file of bicepFiles) {
      for (const m of read(file).matchAll(/'([A-Za-z]+\.[A-Za-z]+\/[\w/]+)@([\w-]+)'/g)) {
        const namespace = m[1]!.split('/')[0]!;
        if (!versions.has(namespace)) versions.set(namespace, new Set());
        versions.get(namespace)!.add(m[2]!);
      }
    }
    const all = [...versions.values()].flatMap((s) => [...s]);
    expect(all.filter((v) => v.includes('preview'))).toEqual([]);
    expect(Object.fromEntries([...versions].map(([k, v]) => [k, [...v]]))).toEqual({
      'Microsoft.DocumentDB': [COSMOS_API_VERSION],
      'Microsoft.Web': ['2025-03-01'],
      'Microsoft.Storage': ['2025-06-01'],
      'Microsoft.Insights': ['2020-02-02'],
      'Microsoft.OperationalInsights': ['2025-02-01'],
      'Microsoft.Authorization': ['2022-04-01'],
      'Microsoft.KeyVault': ['2023-07-01'],
    });
  });

  it('uses no keys or connection strings with secrets anywhere', () => {
    for (const file of bicepFiles) {
      const source = read(file);
      expect(source, file).not.toMatch(/listKeys|listConnectionStrings|AccountKey=|primaryMasterKey/);
    }
  });
});

describe('Bicep templates: the events account', () => {
  const events = read('modules/events-account.bicep');

  it('is global, provisioned (never serverless), Session by default, local auth off, one write region only', () => {
    expect(events).toMatch(/kind: 'GlobalDocumentDB'/);
    expect(events).not.toMatch(/EnableServerless/);
    expect(events).toMatch(/disableLocalAuth: true/);
    expect(events).toMatch(/enableMultipleWriteLocations: false/);
    expect(events).not.toMatch(/param enableMultipleWriteLocations/);
    expect(events).toMatch(/locations: locations/);
    expect(events).toMatch(/autoscaleSettings: \{\s*maxThroughput: autoscaleMaxThroughput/);
    const main = read('main.bicep');
    expect(main).toMatch(/param consistencyLevel string = 'Session'/);
    expect(main).not.toMatch(/enableMultipleWriteLocations/);
    expect(main).toMatch(/param databaseName string = 'eventlog'/);
  });

  it('events: /streamId, the unique key (aggregateType, aggregateId, sequence), data and metadata not indexed, conflicts to the feed', () => {
    const c = container(events, 'events');
    expect(c).toMatch(/partitionKey: \{\s*paths: \[\s*'\/streamId'\s*\]/);
    expect(c).toMatch(/uniqueKeys: \[\s*\{\s*paths: \[\s*'\/aggregateType'\s*'\/aggregateId'\s*'\/sequence'\s*\]\s*\}\s*\]/);
    expect(c).toMatch(/includedPaths: \[\s*\{\s*path: '\/\*'\s*\}\s*\]/);
    for (const path of ["'/data/*'", "'/metadata/*'", `'/"_etag"/?'`]) expect(c).toContain(`path: ${path}`);
    expect(c).toMatch(/conflictResolutionPolicy: \{\s*mode: 'Custom'\s*conflictResolutionProcedure: ''\s*\}/);
  });

  it('leases: /id; snapshots: /streamId', () => {
    expect(container(events, 'leases')).toMatch(/paths: \[\s*'\/id'\s*\]/);
    expect(container(events, 'snapshots')).toMatch(/paths: \[\s*'\/streamId'\s*\]/);
  });

  it('derives priorities from writeRegion by the same rule as the scripts (promote)', () => {
    const main = read('main.bicep');
    expect(main).toMatch(/param locations regionLocation\[\]/);
    expect(main).toMatch(/param writeRegion string/);
    expect(main).toContain('failoverPriority: l.locationName == writeRegion');
    expect(main).toContain('(l.failoverPriority < writeRegionPriority ? l.failoverPriority + 1 : l.failoverPriority)');
    // The account's own location is the first listed region, so a failover never changes it.
    expect(main).toMatch(/location: locations\[0\]\.locationName/);
  });
});

describe('Bicep templates: per region', () => {
  const region = read('modules/region.bicep');
  const app = read('modules/function-app.bicep');
  const views = read('modules/views-account.bicep');

  it('each region has a serverless single-region views account with container views on /id', () => {
    expect(views).toMatch(/EnableServerless/);
    expect(views).toMatch(/disableLocalAuth: true/);
    expect(views).toMatch(/locations: \[\s*\{\s*locationName: location\s*failoverPriority: 0/);
    expect(container(views, 'views')).toMatch(/paths: \[\s*'\/id'\s*\]/);
    expect(read('main.bicep')).toMatch(/module regions 'modules\/region.bicep' = \[\s*for l in locations:/);
  });

  it('the Function App is Flex Consumption, Node 22, with a system-assigned identity and identity-based storage', () => {
    expect(app).toMatch(/name: 'FC1'\s*tier: 'FlexConsumption'/);
    expect(app).toMatch(/kind: 'functionapp,linux'/);
    expect(app).toMatch(/identity: \{\s*type: 'SystemAssigned'\s*\}/);
    expect(app).toMatch(/runtime: \{\s*name: 'node'\s*version: '22'\s*\}/);
    expect(app).toMatch(/authentication: \{\s*type: 'SystemAssignedIdentity'\s*\}/);
    expect(app).toMatch(/allowSharedKeyAccess: false/);
    // Flex rejects these settings; the runtime is in functionAppConfig.
    expect(code(app)).not.toMatch(/FUNCTIONS_WORKER_RUNTIME|WEBSITE_NODE_DEFAULT_VERSION|WEBSITE_RUN_FROM_PACKAGE/);
  });

  it('has every app setting the code reads, with the right values', () => {
    expect(region).toMatch(/EVENT_STORE: 'cosmos'/);
    expect(region).toMatch(/COSMOS__accountEndpoint: eventsAccountEndpoint/);
    expect(region).toMatch(/COSMOS_DATABASE: databaseName/);
    // REGION is the Azure location name: it stamps events and names lease prefixes {region}-{projection}.
    expect(region).toMatch(/REGION: region\n/);
    expect(region).toMatch(/VIEWS__accountEndpoint: views\.outputs\.endpoint/);
    // Side effects (activation mail) run in exactly one region.
    expect(region).toMatch(/REACTORS_ENABLED: reactorsEnabled \? 'true' : 'false'/);
    expect(read('main.bicep')).toMatch(/reactorsEnabled: l\.locationName == reactorRegion/);
    expect(app).toMatch(/AzureWebJobsStorage__accountName: storage\.name/);
    expect(app).toMatch(/APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights\.properties\.ConnectionString/);
    expect(app).toMatch(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'/);
  });

  it('grants the apps Cosmos DB Built-in Data Contributor on the events account and their views account; the operator reads the log only', () => {
    const role = read('modules/cosmos-data-role.bicep');
    expect(role).toMatch(/param roleDefinitionId string = '00000000-0000-0000-0000-000000000002'/);
    expect(role).toContain("'00000000-0000-0000-0000-000000000001'");
    expect(role).toMatch(/Microsoft\.DocumentDB\/databaseAccounts\/sqlRoleAssignments@/);
    expect(role).toMatch(/roleDefinitionId: '\$\{account\.id\}\/sqlRoleDefinitions\/\$\{roleDefinitionId\}'/);
    // The assignment's name is unchanged for the contributor role, so existing assignments stay as they are.
    expect(role).toMatch(/name: guid\(account\.id, principalId, roleDefinitionId\)/);
    const main = read('main.bicep');
    expect(main).toMatch(/@batchSize\(1\)\s*module eventsDataRoles 'modules\/cosmos-data-role.bicep'/);
    expect(main).toMatch(/principalId: regions\[i\]\.outputs\.functionAppPrincipalId\s*\}/);
    expect(region).toMatch(/module viewsDataRole 'cosmos-data-role.bicep' = \{[\s\S]*?accountName: views\.outputs\.name\s*principalId: app\.outputs\.principalId\s*\}/);
    // No script writes to the log: the operator gets Cosmos DB Built-in Data Reader on it.
    expect(main).toMatch(/var cosmosDataReader = '00000000-0000-0000-0000-000000000001'/);
    expect(main).toMatch(/module eventsOperatorRole 'modules\/cosmos-data-role.bicep' = if \(!empty\(operatorPrincipalId\)\) \{[\s\S]*?principalId: operatorPrincipalId\s*roleDefinitionId: cosmosDataReader/);
  });

  it('writes COSMOS_PREFERRED_LOCATIONS: this region first, then the others by failover priority, as the account names them', () => {
    expect(region).toMatch(/COSMOS_PREFERRED_LOCATIONS: preferredLocations/);
    expect(region).toContain("var ownLocation = filter(normalized, l => l.key == region)");
    expect(region).toContain('var otherLocations = sort(filter(normalized, l => l.key != region), (a, b) => a.priority < b.priority)');
    expect(region).toContain("var preferredLocations = join(map(concat(ownLocation, otherLocations), l => l.name), ',')");
    expect(read('modules/events-account.bicep')).toMatch(/output locations array = account\.properties\.locations/);
    expect(read('main.bicep')).toMatch(/eventsAccountLocations: events\.outputs\.locations/);
  });

  it('backs the events account up continuously and can restrict networks', () => {
    const events = read('modules/events-account.bicep');
    expect(events).not.toMatch(/type: 'Periodic'/);
    expect(events).toMatch(/type: 'Continuous'\s*continuousModeProperties: \{\s*tier: continuousBackupTier/);
    expect(read('main.bicep')).toMatch(/param continuousBackupTier string = 'Continuous7Days'/);
    // Defaults leave every network in: a first deployment works from anywhere.
    expect(read('main.bicep')).toMatch(/param allowedIpRanges string\[\] = \[\]/);
    expect(read('main.bicep')).toMatch(/param appSubnetIds object = \{\}/);
    for (const file of ['modules/events-account.bicep', 'modules/views-account.bicep']) {
      expect(read(file), file).toMatch(/ipRules: \[\s*for range in allowedIpRanges: \{\s*ipAddressOrRange: range/);
      expect(read(file), file).toMatch(/isVirtualNetworkFilterEnabled: !empty\(allowedSubnetIds\)/);
    }
    expect(app).toMatch(/virtualNetworkSubnetId: empty\(subnetId\) \? null : subnetId/);
    expect(app).toMatch(/var storageNetworkAcls = empty\(subnetId\)\s*\?\s*\{\s*defaultAction: 'Allow'/);
  });

  it('grants the storage and telemetry roles the Flex host needs', () => {
    expect(app).toContain("'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'"); // Storage Blob Data Owner
    expect(app).toContain("'974c5e8b-45b9-4653-ba55-5f855dd0fb88'"); // Storage Queue Data Contributor
    expect(app).toContain("'0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'"); // Storage Table Data Contributor
    expect(app).toContain("'3913510d-42f4-4e42-8a64-420c390055eb'"); // Monitoring Metrics Publisher
    expect(app).toMatch(/principalId: functionApp\.identity\.principalId/);
  });
});

describe('Bicep templates: the vault of the subject keys', () => {
  const vault = read('modules/key-vault.bicep');
  const region = read('modules/region.bicep');

  it('is one vault for every region, by Azure RBAC, with purge protection left off so an erasure can purge a key', () => {
    expect(read('main.bicep')).toMatch(/module keyVault 'modules\/key-vault.bicep' = \{[\s\S]*?vaultName: take\('kv\$\{env\}\$\{token\}', 24\)/);
    expect(vault).toMatch(/enableRbacAuthorization: true/);
    expect(vault).toMatch(/enableSoftDelete: true/);
    expect(code(vault)).not.toMatch(/enablePurgeProtection|accessPolicies/);
    expect(vault).toMatch(/output vaultUri string = vault\.properties\.vaultUri/);
  });

  it("gives each region's app the vault's URL and Key Vault Secrets Officer on it", () => {
    expect(region).toMatch(/KEY_VAULT_URL: keyVaultUri/);
    expect(read('main.bicep')).toMatch(/keyVaultUri: keyVault\.outputs\.vaultUri/);
    expect(region).toMatch(/module keyVaultRole 'key-vault-role.bicep' = \{[\s\S]*?vaultName: keyVaultName\s*principalId: app\.outputs\.principalId\s*\}/);
    const role = read('modules/key-vault-role.bicep');
    expect(role).toMatch(/param roleDefinitionId string = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'/);
    expect(role).toMatch(/scope: vault/);
    expect(role).toMatch(/principalType: 'ServicePrincipal'/);
  });
});

describe('Bicep templates: the archive', () => {
  const archive = read('modules/archive-storage.bicep');
  const main = read('main.bicep');

  it('grants every app Storage Blob Data Contributor on the archive container, with shared keys off', () => {
    expect(archive).toContain("var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'");
    expect(archive).toMatch(/for principalId in appPrincipalIds: \{\s*name: guid\(container\.id, principalId, storageBlobDataContributor\)\s*scope: container/);
    expect(archive).toMatch(/allowSharedKeyAccess: false/);
    expect(archive).toMatch(/allowBlobPublicAccess: false/);
    expect(main).toMatch(/appPrincipalIds: \[for \(l, i\) in locations: regions\[i\]\.outputs\.functionAppPrincipalId\]/);
  });

  it('moves segments to Cool, then Cold, and to the offline Archive tier only when asked', () => {
    expect(archive).toMatch(/tierToCool: \{\s*daysAfterModificationGreaterThan: coolAfterDays/);
    expect(archive).toMatch(/coldAfterDays > 0\s*\?\s*\{\s*tierToCold:/);
    expect(archive).toMatch(/archiveAfterDays > 0\s*\?\s*\{\s*tierToArchive:/);
    expect(archive).toMatch(/param archiveAfterDays int = 0/);
    expect(archive).toMatch(/prefixMatch: \[\s*'\$\{containerName\}\/'/);
  });

  it('gives every app the container URL it reads (ARCHIVE_CONTAINER_URL) and the policy when one is set', () => {
    const region = read('modules/region.bicep');
    expect(region).toMatch(/ARCHIVE_CONTAINER_URL: archiveContainerUrl/);
    expect(region).toMatch(/empty\(archivePolicy\) \? \{\} : \{ ARCHIVE_POLICY: archivePolicy \}/);
    expect(main).toMatch(/archiveContainerUrl: archiveContainerUrl/);
    expect(main).toMatch(/var archiveContainerUrl = 'https:\/\/\$\{archiveAccountName\}\.blob\.\$\{environment\(\)\.suffixes\.storage\}\/\$\{archiveContainerName\}'/);
    expect(outputsOf(main)).toContain('archiveContainerUrl');
  });
});

describe('parameters and outputs', () => {
  it('the parameter file is a valid two-region example that names only template params', () => {
    const file = parseParameterFile(JSON.parse(read('main.parameters.json')));
    expect(parameterProblems(file)).toEqual([]);
    expect(file.parameters.writeRegion.value).toBe('westeurope');
    expect(file.parameters.locations.value.map((l) => [l.locationName, l.failoverPriority])).toEqual([
      ['westeurope', 0],
      ['northeurope', 1],
    ]);
    const declared = paramsOf(read('main.bicep'));
    for (const name of Object.keys(file.parameters)) expect(declared.map((d) => d.name)).toContain(name);
    for (const d of declared.filter((d) => d.required)) expect(Object.keys(file.parameters)).toContain(d.name);
  });

  it('main exposes the outputs the scripts read', () => {
    const outputs = outputsOf(read('main.bicep'));
    for (const name of ['subscriptionId', 'resourceGroupName', 'eventsAccountName', 'eventsAccountEndpoint', 'databaseName', 'writeRegion', 'regions']) {
      expect(outputs).toContain(name);
    }
    expect(read('main.bicep')).toMatch(/functionAppName: regions\[i\]\.outputs\.functionAppName/);
  });

  it('the structural checks catch a broken template (the checker can fail)', () => {
    expect(balanced("resource x 'a@b' = {\n  name: '}'\n")).toBe('unclosed {');
    expect(balanced("var a = [\n  '['\n]\n")).toBeUndefined();
    expect(code("a // {\nb 'x{'").length).toBe("a // {\nb 'x{'".length);
    expect(paramsOf("param a string\nparam b string = 'x'\nparam c int?\n")).toEqual([
      { name: 'a', required: true },
      { name: 'b', required: false },
      { name: 'c', required: false },
    ]);
  });
});
