/**
 * Freezes a JSON value and everything in it, stopping at parts already frozen, so freezing what a
 * reducer returns costs only what it built anew. Shared values (a page of events every consumer
 * reads, a document handed to a reducer) can then be shared without copies: a handler that tries to
 * change one fails at once instead of corrupting what others see.
 */
export const deepFreeze = <T>(value: T): T => {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  // for…in, not Object.values: no array per object, and reducers return an object per event.
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
};
