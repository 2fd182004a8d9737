import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { describeViewStoreContract } from './viewStoreContract.ts';

describeViewStoreContract('memory', async () => openMemoryProjectionStorage());
