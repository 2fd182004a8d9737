import { globalLogReplay } from '../../src/consumers/globalLogReplay.ts';
import { MemoryColdStorage } from '../../src/stores/archive/memoryColdStorage.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { describeLifecycleContract } from './lifecycleContract.ts';

describeLifecycleContract('memory', async () => {
  const store = new MemoryEventStore();
  const cold = new MemoryColdStorage();
  return { store, cold, logReplay: globalLogReplay(store), coldNames: async () => [...cold.blobs.keys()] };
});
