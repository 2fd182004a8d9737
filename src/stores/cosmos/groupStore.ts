import type { Container } from '@azure/cosmos';
import { GroupState, StoreUnavailableError, type ConsumerGroupStore, type StoredGroupState } from '../../core/index.ts';
import { readDocument, writeDocument } from './conditionalWrites.ts';
import { deadlineOf } from './deadline.ts';
import { mapCosmosErrors } from './errors.ts';

// Consumer groups' records in the region's `views` container, beside the consumers' state records
// (`$projection|{name}`): one document per group, `$group|{name}`, written conditionally on `_etag`.

const GROUP_KIND = 'consumerGroup';
const groupDocumentId = (group: string): string => `$group|${group}`;

export const cosmosGroupStore = (container: Container, isClosed: () => boolean): ConsumerGroupStore => {
  const assertOpen = (): void => {
    if (isClosed()) throw new StoreUnavailableError('Cosmos DB projection storage is closed');
  };
  return {
    get: async (group): Promise<StoredGroupState | undefined> => {
      assertOpen();
      const id = groupDocumentId(group);
      const found = await readDocument(container, id, id);
      return found === undefined ? undefined : { state: GroupState.parse(found.state), etag: found._etag };
    },
    put: async (state, condition) => {
      assertOpen();
      const id = groupDocumentId(state.group);
      return writeDocument(container, { id, kind: GROUP_KIND, group: state.group, state }, id, condition);
    },
    /** A cross-partition query of the group names: listings only, never on a member's path. */
    list: async () => {
      assertOpen();
      return mapCosmosErrors('query', () =>
        deadlineOf()(async () => {
          const { resources } = await container.items
            .query<string>({ query: 'SELECT VALUE c.group FROM c WHERE c.kind = @kind', parameters: [{ name: '@kind', value: GROUP_KIND }] })
            .fetchAll();
          return resources.sort();
        }),
      );
    },
  };
};
