// Failover priorities as plain data: who writes, and who is next. Pure functions only.

export interface FailoverPolicy {
  locationName: string;
  failoverPriority: number;
}

/** ARM answers "West Europe" in some fields and "westeurope" in others; compare on this form. */
export const normalizeRegion = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');

/** Priorities must be 0..n-1, each once, one entry per region. Returns the problems found. */
export const policyProblems = (policies: readonly FailoverPolicy[]): string[] => {
  const problems: string[] = [];
  if (policies.length === 0) problems.push('no regions');
  const names = new Set<string>();
  const priorities = new Set<number>();
  for (const p of policies) {
    const name = normalizeRegion(p.locationName);
    if (names.has(name)) problems.push(`region ${name} is listed twice`);
    names.add(name);
    if (!Number.isInteger(p.failoverPriority) || p.failoverPriority < 0 || p.failoverPriority >= policies.length) {
      problems.push(`region ${name} has priority ${p.failoverPriority}, expected 0..${policies.length - 1}`);
    } else if (priorities.has(p.failoverPriority)) {
      problems.push(`priority ${p.failoverPriority} is used twice`);
    }
    priorities.add(p.failoverPriority);
  }
  return problems;
};

export const writeRegionOf = (policies: readonly FailoverPolicy[]): string | undefined => {
  const first = policies.find((p) => p.failoverPriority === 0);
  return first === undefined ? undefined : normalizeRegion(first.locationName);
};

/** Sorted by priority, names normalized. */
export const byPriority = (policies: readonly FailoverPolicy[]): FailoverPolicy[] =>
  [...policies]
    .map((p) => ({ locationName: normalizeRegion(p.locationName), failoverPriority: p.failoverPriority }))
    .sort((a, b) => a.failoverPriority - b.failoverPriority);

/**
 * Makes `target` the write region (priority 0). Regions that were ahead of it move back
 * by one, the others keep their place: the smallest change that promotes it. The Bicep
 * template applies the same rule to its `writeRegion` parameter.
 */
export const promote = (policies: readonly FailoverPolicy[], target: string): FailoverPolicy[] => {
  const problems = policyProblems(policies);
  if (problems.length > 0) throw new Error(`invalid failover priorities: ${problems.join('; ')}`);
  const wanted = normalizeRegion(target);
  const current = policies.find((p) => normalizeRegion(p.locationName) === wanted);
  if (current === undefined) {
    const known = byPriority(policies).map((p) => p.locationName).join(', ');
    throw new Error(`region ${wanted} is not a region of the account (regions: ${known})`);
  }
  const from = current.failoverPriority;
  return byPriority(
    policies.map((p) => ({
      locationName: p.locationName,
      failoverPriority:
        p === current ? 0 : p.failoverPriority < from ? p.failoverPriority + 1 : p.failoverPriority,
    })),
  );
};

export const samePolicies = (a: readonly FailoverPolicy[], b: readonly FailoverPolicy[]): boolean => {
  const x = byPriority(a);
  const y = byPriority(b);
  return x.length === y.length && x.every((p, i) => p.locationName === y[i]?.locationName && p.failoverPriority === y[i]?.failoverPriority);
};

export const describePolicies = (policies: readonly FailoverPolicy[]): string =>
  byPriority(policies).map((p) => `${p.locationName}=${p.failoverPriority}`).join(', ');
