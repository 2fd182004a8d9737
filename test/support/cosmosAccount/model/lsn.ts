/**
 * Issues log sequence numbers per container and physical partition. One allocator serves the whole
 * account, so an LSN is never issued twice: after a forced failover the new write region continues
 * above whatever the old one issued, and with several write regions each gets its own numbers.
 */
export class LsnAllocator {
  private readonly last = new Map<string, number>();

  /** The next LSN for the partition; `atLeastAbove` is the copy's own LSN (a split child starts from its parent's). */
  next(containerRid: string, partitionId: string, atLeastAbove: number): number {
    const key = `${containerRid}/${partitionId}`;
    const lsn = Math.max(this.last.get(key) ?? 0, atLeastAbove) + 1;
    this.last.set(key, lsn);
    return lsn;
  }
}
