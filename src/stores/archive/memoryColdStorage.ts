import type { ColdStorage } from '../../core/index.ts';

/** Cold storage in process memory, beside the memory event store: nothing survives the process. */
export class MemoryColdStorage implements ColdStorage {
  readonly kind = 'memory';
  readonly blobs = new Map<string, Uint8Array>();

  locate(name: string): string {
    return `memory:${name}`;
  }

  async put(name: string, content: Uint8Array): Promise<void> {
    this.blobs.set(name, Uint8Array.from(content));
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    const blob = this.blobs.get(name);
    return blob === undefined ? undefined : Uint8Array.from(blob);
  }

  async delete(name: string): Promise<void> {
    this.blobs.delete(name);
  }
}
