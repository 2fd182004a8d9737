import type { PhysicalPartition } from '../model/container.ts';

// Session tokens, in the vector format of https://learn.microsoft.com/azure/cosmos-db/nosql/how-to-convert-session-token:
// `{pkrangeid}:{Version}#{GlobalLSN}#{RegionId1}={LocalLsn1}...`. Every response to an item request
// carries the token of the partition key range it touched (`x-ms-session-token`, "the session token
// of the request ... the client must echo it via the x-ms-session-token request header for subsequent
// operations", https://learn.microsoft.com/rest/api/cosmos-db/common-cosmosdb-rest-response-headers).
// With one write region the token is `{pkrangeid}:{version}#{lsn}`; with several, each write region's
// progress follows, keyed by the region's index in the account. A read whose token names progress the
// serving copy has not reached is "ReadSessionNotAvailable" (404, substatus 1002): see
// readSessionNotAvailable in wire/responses.ts for how the service and the SDK deal with it.

export interface SessionToken {
  version: number;
  globalLsn: number;
  /** Write region index → LSN it issued (multi-write accounts only). */
  progress: Map<number, number>;
}

/** What the copy serving a request has reached, and how to name write regions in the vector. */
export interface SessionState {
  version: number;
  /** Index of each write region, when the account has several (else the token has no vector). */
  writeRegionIndexes?: Map<string, number>;
}

export const formatSessionToken = (partition: PhysicalPartition, state: SessionState): string => {
  const vector = [...(state.writeRegionIndexes ?? [])]
    .sort(([, a], [, b]) => a - b)
    .map(([region, index]) => `#${index}=${partition.progress[region] ?? 0}`)
    .join('');
  return `${partition.id}:${state.version}#${partition.lsn}${vector}`;
};

const parseToken = (text: string): SessionToken | undefined => {
  const [version, globalLsn, ...regions] = text.split('#');
  const progress = new Map<number, number>();
  for (const region of regions) {
    const [index, lsn] = region.split('=');
    progress.set(Number(index), Number(lsn));
  }
  const token = { version: Number(version), globalLsn: Number(globalLsn), progress };
  return Number.isFinite(token.version) && Number.isFinite(token.globalLsn) ? token : undefined;
};

/** The tokens of a request header, by partition key range id (the SDK sends one per range it has seen). */
export const parseSessionTokens = (header: string | undefined): Map<string, SessionToken> => {
  const tokens = new Map<string, SessionToken>();
  for (const part of (header ?? '').split(',')) {
    const at = part.indexOf(':');
    const token = at > 0 ? parseToken(part.slice(at + 1)) : undefined;
    if (token !== undefined) tokens.set(part.slice(0, at).trim(), token);
  }
  return tokens;
};

/** The token that applies to a partition: its own, or its parent's from before a split. */
export const tokenFor = (tokens: Map<string, SessionToken>, partition: PhysicalPartition): SessionToken | undefined =>
  [partition.id, ...[...partition.parents].reverse()].map((id) => tokens.get(id)).find((token) => token !== undefined);

/** True when the copy has applied everything the token's session has seen. */
export const sessionSatisfied = (token: SessionToken, partition: PhysicalPartition, state: SessionState): boolean => {
  if (state.writeRegionIndexes === undefined) return partition.lsn >= token.globalLsn;
  return [...state.writeRegionIndexes].every(([region, index]) => (partition.progress[region] ?? 0) >= (token.progress.get(index) ?? 0));
};
