// Stored names of a projection's documents. Public view names start with a letter, internal ones
// with `_`, so the two never collide.

/** A view's documents in one generation: a rebuild fills the next generation while this one serves. */
export const storedViewName = (view: string, generation: number): string => `${view}@${generation}`;

/** Per stream, the last sequence the projection processed in a generation: what `atLeast` asks about. */
export const progressViewName = (projection: string, generation: number): string => `_progress.${projection}@${generation}`;
