/** A JSON document as the account stores and serves it. */
export type JsonObject = Record<string, unknown>;

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The segments of a Cosmos DB path such as `/address/zip` (JSON-pointer style, `~1` and `~0` escapes). */
export const pathSegments = (path: string): string[] =>
  path
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));

/** The value at a path, or undefined when any segment is missing. */
export const valueAt = (document: unknown, path: string): unknown => {
  let current = document;
  for (const segment of pathSegments(path)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isJsonObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
};

/** Size of a document on the wire, the figure the service's limits and request charges are stated in. */
export const sizeInBytes = (document: unknown): number => Buffer.byteLength(JSON.stringify(document ?? null), 'utf8');

export const deepCopy = <T>(value: T): T => structuredClone(value);
