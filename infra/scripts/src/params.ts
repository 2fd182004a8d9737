// The deployment parameter file (infra/main.parameters.json): read it, check it, and
// write a new write region into it so the next deployment keeps what failover did.
import { readFile, writeFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { type FailoverPolicy, normalizeRegion, policyProblems, writeRegionOf } from './priorities.ts';

const Location = z.looseObject({
  locationName: z.string().regex(/^[a-z0-9]+$/, 'must be an Azure location name such as westeurope'),
  failoverPriority: z.number().int().min(0),
  isZoneRedundant: z.boolean().optional(),
});

export const ParameterFile = z.looseObject({
  parameters: z.looseObject({
    environmentName: z.object({ value: z.string().regex(/^[a-z][a-z0-9-]{1,11}$/, 'must be 2-12 of a-z, 0-9, - starting with a letter') }),
    locations: z.object({ value: z.array(Location).min(1) }),
    writeRegion: z.object({ value: z.string().min(1) }),
  }),
});
export type ParameterFile = z.infer<typeof ParameterFile>;

export const parseParameterFile = (json: unknown): ParameterFile => {
  const result = ParameterFile.safeParse(json);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid parameter file: ${detail}`);
  }
  return result.data;
};

export const policiesOf = (file: ParameterFile): FailoverPolicy[] =>
  file.parameters.locations.value.map((l) => ({ locationName: l.locationName, failoverPriority: l.failoverPriority }));

/** Problems that would make the template fail or disagree with itself. */
export const parameterProblems = (file: ParameterFile): string[] => {
  const problems = policyProblems(policiesOf(file));
  const writeRegion = file.parameters.writeRegion.value;
  const top = writeRegionOf(policiesOf(file));
  if (!file.parameters.locations.value.some((l) => l.locationName === writeRegion)) {
    problems.push(`writeRegion ${writeRegion} is not in locations`);
  } else if (top !== undefined && top !== normalizeRegion(writeRegion)) {
    problems.push(`writeRegion is ${writeRegion} but priority 0 is ${top}`);
  }
  return problems;
};

/**
 * The file with `writeRegion` and every location's priority taken from `policies`. The
 * order of `locations` is kept: its first entry is the account's immutable home location.
 */
export const withPolicies = (file: ParameterFile, policies: readonly FailoverPolicy[]): ParameterFile => {
  const priorityOf = new Map(policies.map((p) => [normalizeRegion(p.locationName), p.failoverPriority]));
  const locations = file.parameters.locations.value.map((l) => {
    const priority = priorityOf.get(normalizeRegion(l.locationName));
    if (priority === undefined) throw new Error(`the account has no region ${l.locationName}, but the parameter file lists it`);
    return { ...l, failoverPriority: priority };
  });
  if (locations.length !== policies.length) {
    throw new Error(`the account has ${policies.length} regions, the parameter file lists ${locations.length}`);
  }
  const writeRegion = writeRegionOf(policies);
  if (writeRegion === undefined) throw new Error('no region has priority 0');
  return {
    ...file,
    parameters: {
      ...file.parameters,
      locations: { ...file.parameters.locations, value: locations },
      writeRegion: { ...file.parameters.writeRegion, value: writeRegion },
    },
  };
};

export const readParameterFile = async (path: string): Promise<ParameterFile> =>
  parseParameterFile(JSON.parse(await readFile(path, 'utf8')));

/** Written beside and renamed over, so a crash never leaves half a file. */
export const writeParameterFile = async (path: string, file: ParameterFile): Promise<void> => {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(file, null, 2) + '\n', 'utf8');
  await rename(temp, path);
};
