import { MemorySnapshotStore } from '../../src/stores/memory/memorySnapshotStore.ts';
import { describeSnapshotStoreContract } from './snapshotStoreContract.ts';

describeSnapshotStoreContract('memory', async () => new MemorySnapshotStore());
