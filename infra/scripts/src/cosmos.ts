// The Cosmos DB account operations the scripts need, on the ARM client.
import { z } from 'zod';
import type { ArmClient, LroResult } from './arm.ts';
import { type FailoverPolicy, byPriority, normalizeRegion } from './priorities.ts';

/** Microsoft.DocumentDB API version, the same as the templates use. */
export const COSMOS_API_VERSION = '2025-10-15';

export interface AccountRef {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
}

export const accountPath = (ref: AccountRef): string =>
  `/subscriptions/${encodeURIComponent(ref.subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}` +
  `/providers/Microsoft.DocumentDB/databaseAccounts/${encodeURIComponent(ref.accountName)}`;

const Region = z.looseObject({
  locationName: z.string(),
  failoverPriority: z.number().int().optional(),
  provisioningState: z.string().optional(),
});

const AccountBody = z.looseObject({
  name: z.string().optional(),
  properties: z.looseObject({
    provisioningState: z.string().optional(),
    enableMultipleWriteLocations: z.boolean().optional(),
    writeLocations: z.array(Region).default([]),
    readLocations: z.array(Region).default([]),
    locations: z.array(Region).default([]),
    failoverPolicies: z.array(z.object({ locationName: z.string(), failoverPriority: z.number().int() })).default([]),
  }),
});

export interface AccountState {
  provisioningState: string;
  multiWrite: boolean;
  /** Normalized names, in the order ARM lists them. */
  writeRegions: string[];
  readRegions: string[];
  policies: FailoverPolicy[];
  /** Region name -> provisioning state of that region (e.g. Succeeded, Offline). */
  regionStates: Record<string, string>;
}

export const parseAccount = (body: unknown): AccountState => {
  const result = AccountBody.safeParse(body);
  if (!result.success) throw new Error(`unexpected account shape from ARM: ${result.error.issues[0]?.message ?? ''}`);
  const p = result.data.properties;
  const policySource =
    p.failoverPolicies.length > 0
      ? p.failoverPolicies
      : p.locations.map((l) => ({ locationName: l.locationName, failoverPriority: l.failoverPriority ?? 0 }));
  const regionStates: Record<string, string> = {};
  for (const l of p.locations) regionStates[normalizeRegion(l.locationName)] = l.provisioningState ?? 'Unknown';
  return {
    provisioningState: p.provisioningState ?? 'Unknown',
    multiWrite: p.enableMultipleWriteLocations ?? false,
    writeRegions: p.writeLocations.map((l) => normalizeRegion(l.locationName)),
    readRegions: p.readLocations.map((l) => normalizeRegion(l.locationName)),
    policies: byPriority(policySource),
    regionStates,
  };
};

export const getAccount = async (client: ArmClient, ref: AccountRef): Promise<AccountState> => {
  const response = await client.get(accountPath(ref), COSMOS_API_VERSION);
  return parseAccount(response.body);
};

/** POST .../failoverPriorityChange: a planned, graceful change of the write region. */
export const changeFailoverPriority = (client: ArmClient, ref: AccountRef, policies: readonly FailoverPolicy[]): Promise<LroResult> =>
  client.postAction(`${accountPath(ref)}/failoverPriorityChange`, COSMOS_API_VERSION, {
    failoverPolicies: byPriority(policies).map((p) => ({ locationName: p.locationName, failoverPriority: p.failoverPriority })),
  });

/** POST .../offlineRegion: the service treats the region as down (a forced failover when it writes). */
export const offlineRegion = (client: ArmClient, ref: AccountRef, region: string): Promise<LroResult> =>
  client.postAction(`${accountPath(ref)}/offlineRegion`, COSMOS_API_VERSION, { region: normalizeRegion(region) });

/** POST .../onlineRegion: brings an offlined region back as a read region. */
export const onlineRegion = (client: ArmClient, ref: AccountRef, region: string): Promise<LroResult> =>
  client.postAction(`${accountPath(ref)}/onlineRegion`, COSMOS_API_VERSION, { region: normalizeRegion(region) });
