import type { ReplayPage } from './consumerStores.ts';
import type { FeedPage } from './feed.ts';
import type { EventEnvelope } from './envelope.ts';
import { ProblemError, ValidationError } from './errors.ts';
import { isSubjectErased, SubjectErasedError } from './erasure.ts';
import { isSealedValue, newSubjectKey, openSealed, sealValue, type SealedValue } from './fieldCipher.ts';
import { ERASED, replaceAt, subjectOf, valueAt, type PersonalDataDeclaration, type PersonalFields } from './personalData.ts';
import type { AppendRequest, EventStore, PreparedEvent } from './ports.ts';
import type { SubjectKey, SubjectKeyStore } from './subjectKeys.ts';

// Seals declared personal fields on their way into the log and opens them on every way out, so the
// log at rest holds only ciphertext and every reader (HTTP, aggregate loads, consumers, rebuilds) sees
// plain values, or ERASED once the subject's key is gone.

export interface PersonalDataCodecOptions {
  /** Aggregate type -> its declaration (AggregateRegistration.personalData). */
  declarations: ReadonlyMap<string, PersonalDataDeclaration>;
  keys: SubjectKeyStore;
  /** The log the erasure events are in, read before a subject's first key is made. */
  log: EventStore;
}

/**
 * A sealed value whose key is gone while the log records no erasure of its subject: the key store is
 * not this log's (another DATA_DIR, another vault) or lost the key. Reading it as erased would hide that.
 */
export class SubjectKeyMissingError extends ProblemError('subject-key-missing', 500, 'Key of personal data missing') {
  constructor(subjectId: string, version: string) {
    super(`no key ${version} of subject ${subjectId} in the subject key store, and the log records no erasure of the subject: is the key store the one this log was written with?`);
  }
}

/** Subjects known to be erased, remembered (erasure is final) up to this many. */
const ERASED_SUBJECTS_KEPT = 10_000;

export class PersonalDataCodec {
  private readonly declarations: ReadonlyMap<string, PersonalDataDeclaration>;
  private readonly keys: SubjectKeyStore;
  private readonly log: EventStore;
  private readonly erased = new Set<string>();

  constructor(options: PersonalDataCodecOptions) {
    this.declarations = options.declarations;
    this.keys = options.keys;
    this.log = options.log;
  }

  private personalFieldsOf(event: { aggregateType: string; type: string }): PersonalFields | undefined {
    const declaration = this.declarations.get(event.aggregateType);
    return declaration !== undefined && Object.hasOwn(declaration, event.type) ? declaration[event.type] : undefined;
  }

  /** The events of an append with their personal fields sealed. A subject that cannot be named is a 400 naming the field. */
  async seal(request: AppendRequest): Promise<PreparedEvent[]> {
    const keys = new Map<string, Promise<SubjectKey>>();
    return Promise.all(
      request.events.map(async (event, index) => {
        const personal = this.personalFieldsOf({ aggregateType: request.stream.aggregateType, type: event.type });
        if (personal === undefined) return event;
        const subject = subjectOf(personal.subject, { aggregateId: request.stream.aggregateId, data: event.data });
        if (!subject.success) {
          const path = personal.subject.from === 'data' ? `body.events.${index}.data.${personal.subject.field}` : 'aggregateId';
          throw new ValidationError([{ path, message: `names the data subject of ${event.type}: ${subject.error.issues[0]?.message ?? 'invalid'}` }]);
        }
        const sealed = new Map<string, SealedValue>();
        for (const path of personal.fields) {
          const value = valueAt(event.data, path);
          // Already sealed: an event the log gave out, written again (reconciliation after a failover).
          if (value === undefined || isSealedValue(value)) continue;
          if (!keys.has(subject.data)) keys.set(subject.data, this.keyToSeal(subject.data));
          const key = await keys.get(subject.data)!;
          sealed.set(path, sealValue(value, path, { subjectId: subject.data, ...key }));
        }
        return sealed.size === 0 ? event : { ...event, data: replaceAt(event.data, sealed) };
      }),
    );
  }

  /** The subject's key, made on first use unless the log records the subject's erasure. */
  private async keyToSeal(subjectId: string): Promise<SubjectKey> {
    const current = await this.keys.current(subjectId);
    if (current !== undefined) return current;
    if (await isSubjectErased(this.log, subjectId)) throw new SubjectErasedError(subjectId);
    return this.keys.create(subjectId, newSubjectKey());
  }

  /** The events with their sealed fields opened (ERASED where the key is gone); events without any are returned as they are. */
  async open<E extends EventEnvelope>(events: readonly E[]): Promise<E[]> {
    return Promise.all(events.map((event) => this.openEvent(event)));
  }

  private async openEvent<E extends EventEnvelope>(event: E): Promise<E> {
    const personal = this.personalFieldsOf(event);
    if (personal === undefined) return event;
    const opened = new Map<string, unknown>();
    for (const path of personal.fields) {
      const value = valueAt(event.data, path);
      if (!isSealedValue(value)) continue;
      const key = await this.keys.find(value.subject, value.key);
      if (key === undefined) await this.checkErased(value.subject, value.key);
      opened.set(path, key === undefined ? ERASED : openSealed(value, path, key));
    }
    return opened.size === 0 ? event : { ...event, data: replaceAt(event.data, opened) };
  }

  /** A missing key is an erasure only where the log records one (it is written before the key is deleted). */
  private async checkErased(subjectId: string, version: string): Promise<void> {
    if (this.erased.has(subjectId)) return;
    if (!(await isSubjectErased(this.log, subjectId))) throw new SubjectKeyMissingError(subjectId, version);
    if (this.erased.size >= ERASED_SUBJECTS_KEPT) this.erased.delete(this.erased.values().next().value!);
    this.erased.add(subjectId);
  }
}

/**
 * The same store, sealing personal fields on append and opening them on every read: readStream,
 * readEventsById and, where the store has them, readAll (the global log) and readFrom (replays).
 * Every other member passes through.
 */
export const protectPersonalData = <S extends EventStore>(store: S, codec: PersonalDataCodec): S =>
  new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
      switch (property) {
        case 'append':
          return async (request: AppendRequest) => method({ ...request, events: await codec.seal(request) });
        case 'readStream':
          return async (...args: unknown[]) => {
            const slice = (await method(...args)) as Awaited<ReturnType<EventStore['readStream']>>;
            return slice && { ...slice, events: await codec.open(slice.events) };
          };
        case 'readEventsById':
        case 'readAll':
          return async (...args: unknown[]) => codec.open((await method(...args)) as EventEnvelope[]);
        case 'readFrom':
          return async (...args: unknown[]) => {
            const page = (await method(...args)) as ReplayPage;
            return { ...page, events: await codec.open(page.events) };
          };
        case 'readFeed':
          return async (...args: unknown[]) => {
            const page = (await method(...args)) as FeedPage;
            const events = await codec.open(page.entries.map((entry) => entry.event));
            return { ...page, entries: page.entries.map((entry, i) => ({ ...entry, event: events[i]! })) };
          };
        default:
          return method;
      }
    },
  });
