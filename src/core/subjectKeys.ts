// The port of the keys that seal personal data, one or more per data subject (a person). Adapters:
// memory and the embedded store's own file locally, Azure Key Vault in Azure (src/stores/).
// Keys are secrets: no adapter or caller logs one, puts one in an error, or returns one over HTTP.

export interface SubjectKey {
  /** Names this key among the subject's keys; stored beside every value it seals. */
  version: string;
  /** 32 bytes of AES-256 key. */
  key: Uint8Array;
}

export interface SubjectKeyStore {
  readonly kind: string;
  /** A key of the subject to seal new values with; undefined when the subject has none. */
  current(subjectId: string): Promise<SubjectKey | undefined>;
  /**
   * Keeps `candidate` as the subject's key unless the subject already has one, and answers the key to
   * seal with. Two racing creators may both succeed where the backend cannot refuse the second (Key
   * Vault keeps both as versions): every value names the version it was sealed with, so both stay readable.
   */
  create(subjectId: string, candidate: Uint8Array): Promise<SubjectKey>;
  /** One version of the subject's key; undefined once the subject is erased (or never had it). */
  find(subjectId: string, version: string): Promise<Uint8Array | undefined>;
  /** Deletes every key of the subject for good; false when it had none. */
  erase(subjectId: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface KeyCacheSettings {
  /** At most this many keys in memory. */
  maxEntries: number;
  /** A cached key (or its absence) is trusted this long: an erasure in another process takes effect everywhere within it. */
  ttlMs: number;
}

export const DEFAULT_KEY_CACHE: KeyCacheSettings = { maxEntries: 10_000, ttlMs: 5 * 60_000 };

/**
 * A bounded least-recently-used cache in front of a key store: reading a stream or replaying the log
 * asks for the same few keys again and again, and Key Vault is a network call with a rate limit.
 */
export class CachedSubjectKeys implements SubjectKeyStore {
  readonly kind: string;
  private readonly entries = new Map<string, { at: number; value: SubjectKey | Uint8Array | undefined; subjectId: string }>();
  private readonly store: SubjectKeyStore;
  private readonly settings: KeyCacheSettings;
  private readonly now: () => number;

  constructor(store: SubjectKeyStore, settings: KeyCacheSettings = DEFAULT_KEY_CACHE, now: () => number = Date.now) {
    this.store = store;
    this.kind = store.kind;
    this.settings = settings;
    this.now = now;
  }

  async current(subjectId: string): Promise<SubjectKey | undefined> {
    const name = `current\n${subjectId}`;
    const cached = this.get(name);
    if (cached !== undefined) return cached.value as SubjectKey | undefined;
    const key = await this.store.current(subjectId);
    // Only a key is remembered: a subject without one is about to get one (create).
    if (key !== undefined) this.set(name, subjectId, key);
    return key;
  }

  async create(subjectId: string, candidate: Uint8Array): Promise<SubjectKey> {
    const key = await this.store.create(subjectId, candidate);
    this.set(`current\n${subjectId}`, subjectId, key);
    this.set(`version\n${subjectId}\n${key.version}`, subjectId, key.key);
    return key;
  }

  async find(subjectId: string, version: string): Promise<Uint8Array | undefined> {
    const name = `version\n${subjectId}\n${version}`;
    const cached = this.get(name);
    if (cached !== undefined) return cached.value as Uint8Array | undefined;
    const key = await this.store.find(subjectId, version);
    this.set(name, subjectId, key);
    return key;
  }

  async erase(subjectId: string): Promise<boolean> {
    this.forget(subjectId);
    const erased = await this.store.erase(subjectId);
    this.forget(subjectId);
    return erased;
  }

  close(): Promise<void> {
    this.entries.clear();
    return this.store.close();
  }

  /** Drops every cached key of the subject. */
  forget(subjectId: string): void {
    for (const [name, entry] of this.entries) if (entry.subjectId === subjectId) this.entries.delete(name);
  }

  private get(name: string): { value: SubjectKey | Uint8Array | undefined } | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    this.entries.delete(name);
    if (this.now() - entry.at > this.settings.ttlMs) return undefined;
    this.entries.set(name, entry);
    return entry;
  }

  private set(name: string, subjectId: string, value: SubjectKey | Uint8Array | undefined): void {
    this.entries.delete(name);
    this.entries.set(name, { at: this.now(), value, subjectId });
    while (this.entries.size > this.settings.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
