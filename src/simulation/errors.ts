import { ConflictError, NotFoundError, StoreUnavailableError } from '../core/index.ts';

/** A region cannot take the request now (cut off, offline, write region moving): clients retry. */
export class RegionUnavailableError extends StoreUnavailableError {}

export class UnknownRegionError extends NotFoundError {
  constructor(region: string, known: readonly string[]) {
    super(`no region named ${region}; the account has ${known.join(', ')}`);
  }
}

/** An operator's request the account's state does not allow (a planned failover during a partition). */
export class RegionOperationError extends ConflictError {
  constructor(detail: string) {
    super('region-operation-rejected', 'Region operation rejected', detail);
  }
}
