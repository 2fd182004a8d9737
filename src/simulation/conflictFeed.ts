import { nameBasedUuid, type EventEnvelope } from '../core/index.ts';
import type { ConflictFeed, CosmosConflict } from '../reconciliation/conflictFeed.ts';
import { copyKey } from './replica.ts';

/** One conflict per lost copy, whichever region noticed it first. */
export const conflictIdOf = (loser: EventEnvelope): string => nameBasedUuid(`conflict\n${loser.streamId}\n${copyKey(loser)}`);

/** The conflicts feed of the simulated account: shared by all its regions, as Cosmos DB's is per container. */
export class SimulatedConflictFeed implements ConflictFeed {
  readonly kind = 'simulated';
  private readonly items = new Map<string, CosmosConflict>();
  private lsn = 0;
  private readonly clock: () => Date;

  constructor(clock: () => Date = () => new Date()) {
    this.clock = clock;
  }

  /** Records a lost event, shaped as the service would; false when the same loss is already there. */
  record(loser: EventEnvelope): boolean {
    const id = conflictIdOf(loser);
    if (this.items.has(id)) return false;
    this.items.set(id, {
      id,
      resourceId: loser.id,
      resourceType: 'document',
      operationType: 'create',
      content: JSON.stringify(loser),
      conflict_lsn: ++this.lsn,
      _ts: Math.floor(this.clock().getTime() / 1000),
    });
    return true;
  }

  get size(): number {
    return this.items.size;
  }

  /** The raw resources, oldest first (admin listing and tests). */
  list(): CosmosConflict[] {
    return [...this.items.values()].map((item) => structuredClone(item));
  }

  async *read(): AsyncIterable<unknown> {
    yield* this.list();
  }

  async delete(id: string): Promise<void> {
    this.items.delete(id);
  }
}
