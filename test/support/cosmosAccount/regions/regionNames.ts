// Azure names a region twice: a location name (`westeurope`, used in ARM and in this project's
// REGION) and a display name ("West Europe"), which is what the account document lists in
// writableLocations/readableLocations. The SDK compares a preferred location with those names after
// removing whitespace and lowercasing both (`normalizeEndpoint` in @azure/cosmos' checkURL.js), so
// `preferredLocations: ['westeurope']` selects "West Europe".

const DISPLAY_NAMES: Record<string, string> = {
  westeurope: 'West Europe',
  northeurope: 'North Europe',
  uksouth: 'UK South',
  ukwest: 'UK West',
  francecentral: 'France Central',
  germanywestcentral: 'Germany West Central',
  swedencentral: 'Sweden Central',
  switzerlandnorth: 'Switzerland North',
  eastus: 'East US',
  eastus2: 'East US 2',
  westus: 'West US',
  westus2: 'West US 2',
  westus3: 'West US 3',
  centralus: 'Central US',
  southcentralus: 'South Central US',
  canadacentral: 'Canada Central',
  brazilsouth: 'Brazil South',
  japaneast: 'Japan East',
  southeastasia: 'Southeast Asia',
  eastasia: 'East Asia',
  australiaeast: 'Australia East',
  centralindia: 'Central India',
};

export interface RegionName {
  /** The location name: `westeurope`. */
  name: string;
  /** The display name the account document uses: "West Europe". */
  displayName: string;
}

/** The SDK's comparison of a preferred location with an account location. */
export const sameRegion = (a: string, b: string): boolean => a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();

/** Accepts either form of a known region's name. */
export const regionName = (nameOrDisplayName: string): RegionName => {
  const entry = Object.entries(DISPLAY_NAMES).find(([name, displayName]) => sameRegion(name, nameOrDisplayName) || sameRegion(displayName, nameOrDisplayName));
  if (entry === undefined) throw new Error(`unknown Azure region "${nameOrDisplayName}"; known: ${Object.keys(DISPLAY_NAMES).join(', ')}`);
  return { name: entry[0], displayName: entry[1] };
};
