// The templates through the Bicep grammar (test/infra/bicep.ts): every file parses, property names
// are the ones the Azure SDK models know, and the containers are the ones the code creates.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerDefinition } from '@azure/cosmos';
import { containerLayout } from '../../src/stores/cosmos/containers.ts';
import {
  type BicepFile,
  type Mappers,
  type Value,
  loadMappers,
  parseBicep,
  propertyProblems,
  readBicep,
  resourceNamed,
  shapeOf,
  syntaxErrors,
} from './bicep.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INFRA = join(ROOT, 'infra');

const bicepFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bicepFiles(join(dir, e.name)) : e.name.endsWith('.bicep') ? [join(dir, e.name)] : [],
  );

/** Resource types whose request body an installed SDK describes, at the API version its model is of. */
const SDK_MODELS: Record<string, { sdk: string; mappers: string; parameters: string; model: string; apiVersion: string }> = {};
const sdk = (pkg: string, dist: string, apiVersion: string, models: Record<string, string>) => {
  for (const [type, model] of Object.entries(models))
    SDK_MODELS[type] = { sdk: pkg, mappers: `${dist}/models/mappers.js`, parameters: `${dist}/models/parameters.js`, model, apiVersion };
};
sdk('@azure/arm-cosmosdb', 'dist/esm', '2025-10-15', {
  'Microsoft.DocumentDB/databaseAccounts': 'DatabaseAccountCreateUpdateParameters',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases': 'SqlDatabaseCreateUpdateParameters',
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers': 'SqlContainerCreateUpdateParameters',
  'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments': 'SqlRoleAssignmentCreateUpdateParameters',
});
sdk('@azure/arm-appservice', 'dist/esm', '2025-03-01', {
  'Microsoft.Web/serverfarms': 'AppServicePlan',
  'Microsoft.Web/sites': 'Site',
});
sdk('@azure/arm-storage', 'dist/esm', '2025-06-01', {
  'Microsoft.Storage/storageAccounts': 'StorageAccountCreateParameters',
  'Microsoft.Storage/storageAccounts/blobServices': 'BlobServiceProperties',
  'Microsoft.Storage/storageAccounts/blobServices/containers': 'BlobContainer',
  'Microsoft.Storage/storageAccounts/managementPolicies': 'ManagementPolicy',
});
sdk('@azure/arm-authorization', 'dist-esm/src', '2022-04-01', {
  'Microsoft.Authorization/roleAssignments': 'RoleAssignmentCreateParameters',
});

/** Resource types the templates declare that no installable SDK model checks, and why. */
const NOT_CHECKED: Record<string, string> = {
  'Microsoft.Insights/components':
    'the only @azure/arm-appinsights with mappers for 2020-02-02 is a beta; the current ones have no mappers',
  'Microsoft.OperationalInsights/workspaces':
    '@azure/arm-operationalinsights with mappers (9.x) describes 2022-10-01, not 2025-02-01; 11.x has no mappers',
  'Microsoft.KeyVault/vaults':
    '@azure/arm-keyvault 5.x has no mappers; bicep.test.ts checks the vault\'s properties by text',
};

describe('Bicep templates: grammar', () => {
  const files = bicepFiles(INFRA);

  it('finds the templates', () => {
    expect(files.map((f) => relative(INFRA, f)).sort()).toContain('main.bicep');
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  it.each(files.map((f) => relative(ROOT, f)))('%s parses with the Bicep grammar', async (file) => {
    const tree = await parseBicep(readFileSync(join(ROOT, file), 'utf8'));
    expect(syntaxErrors(tree, file)).toEqual([]);
  });

  it.each([
    ['a block never closed', "resource x 'a@b' = {\n  name: 'y'\n  properties: {\n    a: 1\n}\n", 'broken.bicep:5:2: missing }'],
    ['a string never closed', "module m 'x.bicep' = {\n  name: 'm'\n  params: {\n    a: 'b\n  }\n}\n", 'broken.bicep:4:9: syntax error near "b" (in the construct from line 1)'],
    ['a property without a colon', "resource x 'a@b' = {\n  name 'y'\n}\n", 'broken.bicep:2:'],
    ['an array never closed', "var a = {\n  b: [\n    'x'\n  c: 2\n}\n", 'broken.bicep:4:'],
    ['a declaration without a value', "param a string =\n\nvar b = 1\n", 'broken.bicep:'],
    ['a misspelt keyword', "resorce x 'a@b' = {}\n", 'broken.bicep:1:'],
  ])('reports %s with file and line', async (_what, source, expected) => {
    const errors = syntaxErrors(await parseBicep(source), 'broken.bicep');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toContain(expected);
  });

  it('the parser accepts the syntax the templates rely on', async () => {
    const source = [
      'type region = {\n  name: string\n  zoned: bool?\n}',
      "@minLength(1)\nparam locations region[]\nparam tags object = {}",
      "var first = filter(locations, l => l.name == 'x')[0].?zoned ?? false",
      "var names = join(map(locations, l => l.name), ',')",
      "@batchSize(1)\nmodule m 'm.bicep' = [for (l, i) in locations: if (i > 0) {\n  name: 'm-${l.name}'\n}]",
      "output o string = m[0]!.outputs.x",
    ].join('\n');
    expect(syntaxErrors(await parseBicep(source), 'ok.bicep')).toEqual([]);
  });
});

describe('Bicep templates: property names against the Azure SDK models', () => {
  const models = new Map<string, Mappers>();
  let files: BicepFile[] = [];

  beforeAll(async () => {
    files = await Promise.all(bicepFiles(INFRA).map((f) => readBicep(f, relative(ROOT, f))));
    for (const { sdk, mappers } of Object.values(SDK_MODELS)) if (!models.has(sdk)) models.set(sdk, await loadMappers(sdk, mappers));
  });

  const problemsOf = (file: BicepFile): string[] =>
    file.resources
      .filter((r) => !r.existing && SDK_MODELS[r.type])
      .flatMap((r) => {
        const { sdk, model } = SDK_MODELS[r.type]!;
        return propertyProblems(file, r, shapeOf(models.get(sdk)!, { name: 'Composite', className: model }));
      });

  it('every resource type is either checked against an SDK model or listed with the reason it is not', () => {
    const types = new Set(files.flatMap((f) => f.resources.map((r) => r.type)));
    expect([...types].filter((t) => !SDK_MODELS[t] && !NOT_CHECKED[t])).toEqual([]);
  });

  it('each checked type is declared at the API version the SDK model describes', () => {
    for (const file of files)
      for (const r of file.resources.filter((r) => SDK_MODELS[r.type])) expect(`${r.type}@${r.apiVersion}`, file.file).toBe(`${r.type}@${SDK_MODELS[r.type]!.apiVersion}`);
    for (const { sdk, parameters, apiVersion } of Object.values(SDK_MODELS)) {
      const text = readFileSync(join(ROOT, 'node_modules', sdk, parameters), 'utf8');
      expect(text, `${sdk} describes ${apiVersion}`).toContain(`defaultValue: "${apiVersion}"`);
    }
  });

  it('every property a template writes is one the model has, and none is read-only', () => {
    expect(files.flatMap(problemsOf)).toEqual([]);
  });

  it('catches misspelt, misplaced and read-only properties, through variables, loops and JSON files (the check can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bicep-'));
    try {
      writeFileSync(join(dir, 'policy.json'), JSON.stringify({ indexingMode: 'consistent', excludedPath: [] }));
      const path = join(dir, 'bad.bicep');
      writeFileSync(
        path,
        [
          "resource a 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {",
          "  name: 'a'",
          "  location: 'westeurope'",
          '  properties: {',
          "    databaseAccountOfferType: 'Standard'",
          '    enableMultipleWriteLocation: true',
          '    backupPolicy: backup',
          "    ipRules: [for ip in ['1.2.3.4']: { ipAdressOrRange: ip }]",
          '  }',
          "  id: 'x'",
          "  consistencyPolicy: { defaultConsistencyLevel: 'Session' }",
          '}',
          "resource c 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {",
          '  parent: a',
          "  name: 'c'",
          "  properties: { resource: { id: 'c', indexingPolicy: loadJsonContent('policy.json') } }",
          '}',
          "var backup = multiWrite ? { type: 'Periodic' } : { type: 'Continuous', continuousModeProperties: { teir: 'Continuous7Days' } }",
        ].join('\n'),
      );
      expect(problemsOf(await readBicep(path, 'bad.bicep'))).toEqual([
        'bad.bicep:6: Microsoft.DocumentDB/databaseAccounts properties.enableMultipleWriteLocation: not a property of DatabaseAccountCreateUpdateParameters.properties',
        'bad.bicep:18: Microsoft.DocumentDB/databaseAccounts properties.backupPolicy.continuousModeProperties.teir: not a property of ContinuousModeProperties',
        'bad.bicep:8: Microsoft.DocumentDB/databaseAccounts properties.ipRules[].ipAdressOrRange: not a property of IpAddressOrRange',
        'bad.bicep:10: Microsoft.DocumentDB/databaseAccounts id: read-only in DatabaseAccountCreateUpdateParameters',
        'bad.bicep:11: Microsoft.DocumentDB/databaseAccounts consistencyPolicy: not a property of DatabaseAccountCreateUpdateParameters',
        'bad.bicep:16: Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers properties.resource.indexingPolicy.excludedPath: not a property of IndexingPolicy',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Bicep templates: containers are the ones the code creates', () => {
  const CONTAINERS = 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers';

  /** What must agree: keys, unique keys, indexing and conflict policy (absent = the service default). */
  const shapeOfContainer = (c: ContainerDefinition | { [key: string]: Value }) => ({
    id: c.id,
    partitionKey: (c.partitionKey as { paths?: unknown } | undefined)?.paths,
    uniqueKeyPolicy: c.uniqueKeyPolicy,
    indexingPolicy: c.indexingPolicy,
    conflictResolutionPolicy: c.conflictResolutionPolicy,
  });

  it.each([
    ['events', 'infra/modules/events-account.bicep'],
    ['views', 'infra/modules/views-account.bicep'],
  ] as const)('the %s account: %s declares exactly containerLayout\'s containers, with the same keys and policies', async (account, file) => {
    const template = await readBicep(join(ROOT, file), file);
    const declared = template.resources.filter((r) => r.type === CONTAINERS).length;
    expect(declared).toBe(containerLayout[account].length);
    for (const definition of containerLayout[account]) {
      const body = resourceNamed(template, CONTAINERS, definition.id!);
      expect(body, `${file}: container ${definition.id}`).toBeDefined();
      const resource = (body!.properties as { [key: string]: Value }).resource as { [key: string]: Value };
      expect(shapeOfContainer(resource), `${file}: container ${definition.id}`).toEqual(shapeOfContainer(definition));
      // Hash v2 is what the SDK creates: the template says so explicitly.
      expect(resource.partitionKey).toMatchObject({ kind: 'Hash', version: 2 });
    }
  });
});
