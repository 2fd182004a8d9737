import type { UniqueKeyPolicy } from '@azure/cosmos';
import { valueAt, type JsonObject } from './json.ts';

// Unique keys, as https://learn.microsoft.com/azure/cosmos-db/unique-keys states them:
// - "With unique keys, you make sure that one or more values within a logical partition is unique":
//   the scope is the logical partition, so the partition key value is part of every tuple below;
// - a key of several paths is a composite unique key: "each unique combination of the three values
//   within a given CompanyID is allowed", so items may share a value on one path of the key;
// - sparse unique keys are not supported: a missing value is treated as null and takes part in the
//   constraint, so at most one item per logical partition may lack it.

/** Stands for a missing or null value in a tuple (the service treats them alike, see above). */
const ABSENT = { absent: true };

/** One entry per unique key of the policy: the text naming that key's tuple for this item. */
export const uniqueTuples = (policy: UniqueKeyPolicy | undefined, partitionKeyText: string, item: JsonObject): string[] =>
  (policy?.uniqueKeys ?? []).map((key, index) =>
    JSON.stringify([index, partitionKeyText, ...key.paths.map((path) => valueAt(item, path) ?? ABSENT)]),
  );
