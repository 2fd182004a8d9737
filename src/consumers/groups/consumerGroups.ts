import { randomUUID } from 'node:crypto';
import {
  canonicalJson,
  GroupName,
  StoreUnavailableError,
  groupExistsError,
  UnknownGroupError,
  ValidationError,
  type ConsumerGroupService,
  type ConsumerGroupStore,
  type FeedSource,
  type FeedStart,
  type GroupBatch,
  type GroupSettings,
  type GroupState,
  type GroupStatus,
  type NextBatchRequest,
  type ParkedEvent,
  type RefusalRequest,
} from '../../core/index.ts';
import { Signal } from '../signal.ts';
import { acknowledge, availableCount, expireLeases, fill, refuse, replayParked, roomFor, takeBatch } from './groupState.ts';

export interface ConsumerGroupsOptions {
  store: ConsumerGroupStore;
  source: FeedSource;
  region: string;
  /** Notified after each append in this process, so a waiting `next` looks at once. */
  appended: Signal;
  /** How often a waiting `next` looks anyway (appends elsewhere, leases running out). */
  pollMs: number;
  now?: () => number;
}

/** Conditional writes of one record by several members: how often one call tries before it reports the store as contended. */
const MAX_WRITE_ATTEMPTS = 50;
/** Events one read of the feed adds to a group. */
const FILL_BATCH = 500;

/**
 * Consumer groups over the region's feed and store. Every change is a read, a pure transition
 * (groupState.ts) and a write conditional on the etag read, so members in several processes (or
 * Function App instances) share one group safely: a lost race is simply done again.
 */
export class ConsumerGroups implements ConsumerGroupService {
  private readonly options: ConsumerGroupsOptions;
  /** Acks, nacks and replays in this process: a waiting `next` looks again at once. */
  private readonly released = new Signal();

  constructor(options: ConsumerGroupsOptions) {
    this.options = options;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private checkName(group: string): void {
    const valid = GroupName.safeParse(group);
    if (!valid.success) throw new ValidationError([{ path: 'path.group', message: valid.error.issues[0]!.message }]);
  }

  private async load(group: string): Promise<{ state: GroupState; etag: string }> {
    this.checkName(group);
    const stored = await this.options.store.get(group);
    if (stored === undefined) throw new UnknownGroupError(group);
    return stored;
  }

  /** Read, change, write if still at the etag read; a lost race is done again. `change` may read the feed. */
  private async update<R>(group: string, change: (state: GroupState) => Promise<{ state: GroupState; result: R }>): Promise<R> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const { state, etag } = await this.load(group);
      const { state: next, result } = await change(state);
      if (next === state) return result;
      const written = await this.options.store.put({ ...next, updatedAt: new Date(this.now()).toISOString() }, { etag });
      if (written !== undefined) return result;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
    }
    throw new StoreUnavailableError(`consumer group ${group}: ${MAX_WRITE_ATTEMPTS} writes in a row lost to other members; try again`);
  }

  private startOf(state: GroupState): FeedStart {
    if (state.cursor !== undefined) return { from: 'cursor', cursor: state.cursor };
    return { from: state.settings.from };
  }

  /** Reads the feed into the group while members could use more and the record has room. */
  private async topUp(state: GroupState, wanted: number): Promise<GroupState> {
    const room = roomFor(state);
    if (room === 0 || availableCount(state) >= wanted) return state;
    const page = await this.options.source.readFeed(state.settings.filter, this.startOf(state), Math.min(FILL_BATCH, room));
    return page.entries.length === 0 && page.cursor === state.cursor ? state : fill(state, page.entries, page.cursor);
  }

  async create(group: string, settings: GroupSettings): Promise<{ created: boolean; status: GroupStatus }> {
    this.checkName(group);
    const existing = await this.options.store.get(group);
    if (existing !== undefined) {
      if (canonicalJson(existing.state.settings) !== canonicalJson(settings)) throw groupExistsError(group);
      return { created: false, status: this.statusOf(existing.state) };
    }
    const at = new Date(this.now()).toISOString();
    let state: GroupState = { group, region: this.options.region, settings, held: [], parked: [], acknowledged: 0, createdAt: at, updatedAt: at };
    // A group from now pins "now" at its creation, as the feed does for a request (FeedSource.placeOfNow).
    if (settings.from === 'now') state = { ...state, cursor: await this.options.source.placeOfNow(settings.filter) };
    const written = await this.options.store.put(state, { absent: true });
    if (written === undefined) return this.create(group, settings);
    return { created: true, status: this.statusOf(state) };
  }

  async status(group: string): Promise<GroupStatus> {
    return this.statusOf(expireLeases((await this.load(group)).state, this.now()));
  }

  async list(): Promise<GroupStatus[]> {
    const names = await this.options.store.list();
    const found = await Promise.all(names.map((name) => this.options.store.get(name)));
    return found.filter((f) => f !== undefined).map((f) => this.statusOf(expireLeases(f.state, this.now())));
  }

  async next(group: string, request: NextBatchRequest): Promise<GroupBatch> {
    const deadline = this.now() + request.waitMs;
    for (;;) {
      const batchId = randomUUID();
      const now = this.now();
      const { messages, nextExpiry, leaseMs } = await this.update(group, async (stored) => {
        const expired = expireLeases(stored, now);
        const filled = await this.topUp(expired, request.max);
        const taken = takeBatch(filled, { member: request.member, max: request.max, batchId, now });
        const leases = taken.state.held.flatMap((h) => (h.lease === undefined ? [] : [h.lease.until]));
        const result = { messages: taken.messages, nextExpiry: leases.length === 0 ? undefined : Math.min(...leases), leaseMs: stored.settings.leaseMs };
        return { state: taken.messages.length === 0 ? filled : taken.state, result };
      });
      const remaining = deadline - this.now();
      if (messages.length > 0 || remaining <= 0 || request.signal?.aborted) {
        const leased = messages.length > 0;
        return {
          group,
          member: request.member,
          ...(leased ? { batchId, leaseExpiresAt: new Date(now + leaseMs).toISOString() } : {}),
          events: messages,
        };
      }
      const untilExpiry = nextExpiry === undefined ? Infinity : Math.max(1, nextExpiry - this.now());
      await this.waitForWork(Math.min(remaining, this.options.pollMs, untilExpiry), request.signal);
    }
  }

  private async waitForWork(ms: number, abort?: AbortSignal): Promise<void> {
    if (abort?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        abort?.removeEventListener('abort', done);
        resolve();
      };
      abort?.addEventListener('abort', done, { once: true });
      void Promise.race([this.options.appended.wait(ms), this.released.wait(ms)]).then(done);
    });
  }

  async ack(group: string, batchId: string, eventIds?: readonly string[]): Promise<{ acknowledged: number }> {
    const result = await this.update(group, async (state) => {
      const acked = acknowledge(state, batchId, eventIds);
      return { state: acked.state, result: { acknowledged: acked.acknowledged } };
    });
    this.released.notify();
    return result;
  }

  async nack(group: string, batchId: string, request: RefusalRequest): Promise<{ returned: number; parked: number }> {
    const result = await this.update(group, async (state) => {
      const refused = refuse(state, batchId, request, this.now());
      return { state: refused.state, result: { returned: refused.returned, parked: refused.parked } };
    });
    this.released.notify();
    return result;
  }

  async parked(group: string): Promise<ParkedEvent[]> {
    return (await this.load(group)).state.parked;
  }

  async replayParked(group: string, eventIds?: readonly string[]): Promise<{ replayed: number }> {
    const result = await this.update(group, async (state) => {
      const replayed = replayParked(state, eventIds);
      return { state: replayed.replayed === 0 ? state : replayed.state, result: { replayed: replayed.replayed } };
    });
    this.released.notify();
    return result;
  }

  private statusOf(state: GroupState): GroupStatus {
    return {
      group: state.group,
      region: state.region,
      filter: state.settings.filter,
      from: state.settings.from,
      leaseMs: state.settings.leaseMs,
      maxDeliveries: state.settings.maxDeliveries,
      pending: state.held.length,
      inFlight: state.held.filter((h) => h.lease !== undefined).length,
      parked: state.parked.length,
      acknowledged: state.acknowledged,
      createdAt: state.createdAt,
      updatedAt: state.updatedAt,
    };
  }
}
