import { StoreUnavailableError, type SubjectKey, type SubjectKeyStore } from '../../core/index.ts';

/** Subject keys in process memory, for the memory event store: they last exactly as long as its events. */
export class MemorySubjectKeyStore implements SubjectKeyStore {
  readonly kind = 'memory';
  private readonly keys = new Map<string, Uint8Array>();
  private closed = false;

  async current(subjectId: string): Promise<SubjectKey | undefined> {
    this.assertOpen();
    const key = this.keys.get(subjectId);
    return key === undefined ? undefined : { version: '1', key: key.slice() };
  }

  async create(subjectId: string, candidate: Uint8Array): Promise<SubjectKey> {
    this.assertOpen();
    if (!this.keys.has(subjectId)) this.keys.set(subjectId, candidate.slice());
    return { version: '1', key: this.keys.get(subjectId)!.slice() };
  }

  async find(subjectId: string, version: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    return version === '1' ? this.keys.get(subjectId)?.slice() : undefined;
  }

  async erase(subjectId: string): Promise<boolean> {
    this.assertOpen();
    // Overwritten before it is dropped: nothing of it waits in the heap for the collector.
    this.keys.get(subjectId)?.fill(0);
    return this.keys.delete(subjectId);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('memory subject key store is closed');
  }
}
