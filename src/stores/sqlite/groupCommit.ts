import type { DatabaseSync, StatementSync } from 'node:sqlite';

interface Pending<T> {
  work: () => T;
  savepoint: boolean;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export interface SubmitOptions {
  /**
   * Run the work in a savepoint of its own (default). Work that is a single statement may skip it:
   * SQLite backs out a failed statement by itself, leaving the rest of the transaction as it was.
   */
  savepoint?: boolean;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** Most requests one transaction takes; the rest wait for the next. */
  maxBatch: number;
  /** Maps a failure of the transaction itself (BEGIN or COMMIT) to the error every request in it receives. */
  onTransactionError: (error: unknown) => unknown;
}

export interface GroupCommitStats {
  transactions: number;
  requests: number;
}

/**
 * Coalesces the writes that arrive in one turn of the event loop into a single transaction, so
 * one WAL sync serves them all. Requests run in arrival order, each in its own savepoint: a request
 * sees every earlier one of its batch, exactly as if they had run one after another, and its failure
 * is its own. A promise settles only after COMMIT returned, that is once the batch is durable; if the
 * transaction itself fails, every request of the batch is refused and none is written.
 */
export class GroupCommit {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  private readonly db: DatabaseSync;
  private readonly options: GroupCommitOptions;
  private readonly savepoint: { begin: StatementSync; release: StatementSync; rollback: StatementSync };
  readonly stats: GroupCommitStats = { transactions: 0, requests: 0 };

  constructor(db: DatabaseSync, options: GroupCommitOptions) {
    this.db = db;
    this.options = options;
    this.savepoint = {
      begin: db.prepare('SAVEPOINT request'),
      release: db.prepare('RELEASE request'),
      rollback: db.prepare('ROLLBACK TO request'),
    };
  }

  submit<T>(work: () => T, options: SubmitOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, savepoint: options.savepoint ?? true, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after the I/O callbacks of this turn, so every request parsed in it joins.
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
    const outcomes: Outcome[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      this.rejectAll(batch, error);
      return;
    }
    try {
      for (const pending of batch) outcomes.push(this.run(pending));
      this.db.exec('COMMIT');
    } catch (error) {
      // A failure outside a request's savepoint (COMMIT, or SQLite abandoning the transaction):
      // nothing of the batch is written, and every request in it hears so.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.rejectAll(batch, error);
      return;
    }
    this.stats.transactions++;
    this.stats.requests += batch.length;
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  private rejectAll(batch: Pending<unknown>[], error: unknown): void {
    const failure = this.options.onTransactionError(error);
    for (const pending of batch) pending.reject(failure);
  }

  private run(pending: Pending<unknown>): Outcome {
    if (pending.savepoint) this.savepoint.begin.run();
    try {
      const value = pending.work();
      if (pending.savepoint) this.savepoint.release.run();
      return { ok: true, value };
    } catch (error) {
      // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then the group fails.
      if (!this.db.isTransaction) throw error;
      if (pending.savepoint) {
        this.savepoint.rollback.run();
        this.savepoint.release.run();
      }
      return { ok: false, error };
    }
  }
}
