import type { Container, FeedOptions } from '@azure/cosmos';
import type { Config } from '../config.ts';
import { StoreUnavailableError } from '../core/index.ts';
import type { ConflictFeed } from './conflictFeed.ts';

/** The part of a Cosmos DB container the feed uses; `Container` from @azure/cosmos has it. */
export type ConflictsContainer = Pick<Container, 'conflicts' | 'conflict'>;

const PAGE_SIZE = 100;

const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown; statusCode?: unknown } | null)?.code ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
};

/** A failure of the service (throttled, unreachable) is the store being unavailable: the next run retries. */
const unavailable = (action: string, error: unknown): StoreUnavailableError =>
  new StoreUnavailableError(`Cosmos DB conflicts feed: ${action} failed: ${error instanceof Error ? error.message : String(error)}`, 5, {
    cause: error,
  });

/**
 * The conflicts feed of the `events` container: read page by page with `conflicts.readAll()`, a
 * resolved conflict deleted with `conflict(id, partitionKey).delete()` (the partition key is the losing
 * event's stream: conflicts live in the partition of the item they are about).
 */
export const cosmosConflictFeed = (container: ConflictsContainer): ConflictFeed => ({
  kind: 'cosmos',
  async *read(): AsyncIterable<unknown> {
    const options: FeedOptions = { maxItemCount: PAGE_SIZE };
    try {
      for await (const page of container.conflicts.readAll(options).getAsyncIterator()) yield* page.resources;
    } catch (error) {
      throw unavailable('reading', error);
    }
  },
  async delete(id: string, partitionKey: string): Promise<void> {
    try {
      await container.conflict(id, partitionKey).delete();
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw unavailable(`deleting conflict ${id}`, error);
    }
  },
});

export interface OpenedConflictFeed {
  feed: ConflictFeed;
  close(): void;
}

/** The event account's conflicts feed, through the same shared client the Cosmos DB event store uses. */
export const openCosmosConflictFeed = async (config: Config): Promise<OpenedConflictFeed> => {
  // Loaded on demand, like the store itself, so local runs never load the Cosmos DB SDK.
  const { cosmosSettingsFrom } = await import('../stores/cosmos/settings.ts');
  const { acquireCosmosClient } = await import('../stores/cosmos/client.ts');
  const { CONTAINER_IDS } = await import('../stores/cosmos/containers.ts');
  const settings = cosmosSettingsFrom(config);
  const shared = await acquireCosmosClient(settings.events, { region: settings.region });
  const container = shared.client.database(settings.database).container(CONTAINER_IDS.events);
  return { feed: cosmosConflictFeed(container), close: () => shared.release() };
};
