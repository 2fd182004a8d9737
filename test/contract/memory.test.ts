import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';

describeEventStoreContract('memory', async () => new MemoryEventStore());
