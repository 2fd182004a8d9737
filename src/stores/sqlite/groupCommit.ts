import type { DatabaseSync } from 'node:sqlite';

interface Pending<T> {
  work: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most requests one transaction takes; the rest wait for the next. */
  maxBatch: number;
  /** Maps a failure of the transaction itself (BEGIN or COMMIT) to the error every request in it receives. */
  onTransactionError: (error: unknown) => unknown;
}

/**
 * Coalesces the writes that arrive in one turn of the event loop into a single transaction, so
 * one WAL sync serves them all. Each write runs in its own savepoint: its failure is its own.
 */
export class GroupCommit {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  private readonly db: DatabaseSync;
  private readonly options: GroupCommitOptions;

  constructor(db: DatabaseSync, options: GroupCommitOptions) {
    this.db = db;
    this.options = options;
  }

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now; used at close so no accepted write is dropped. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.commit(batch);
    }
  }

  private commit(batch: Pending<unknown>[]): void {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      const failure = this.options.onTransactionError(error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    try {
      for (const pending of batch) outcomes.push(this.runInSavepoint(pending.work));
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      const failure = this.options.onTransactionError(error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  private runInSavepoint(work: () => unknown): { ok: true; value: unknown } | { ok: false; error: unknown } {
    this.db.exec('SAVEPOINT request');
    try {
      const value = work();
      this.db.exec('RELEASE request');
      return { ok: true, value };
    } catch (error) {
      this.db.exec('ROLLBACK TO request; RELEASE request');
      return { ok: false, error };
    }
  }
}
