import { describe, expect, it } from 'vitest';
import {
  appendEvents,
  CachedSubjectKeys,
  checkPersonalData,
  ERASED,
  eraseSubject,
  isSealedValue,
  PersonalDataCodec,
  protectPersonalData,
  SubjectAlreadyErasedError,
  SubjectErasedError,
  SubjectKeyMissingError,
  UnknownSubjectError,
  ValidationError,
  type PersonalDataDeclaration,
  type SubjectKeyStore,
} from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { MemorySubjectKeyStore } from '../../src/stores/memory/memorySubjectKeyStore.ts';

// Sealing on append and opening on every read, through the store decorator, with memory adapters.

const declarations = new Map<string, PersonalDataDeclaration>([
  ['Customer', { Registered: { subject: { from: 'aggregateId' }, fields: ['email', 'profile.name'] } }],
  ['Order', { Placed: { subject: { from: 'data', field: 'customerId' }, fields: ['shipTo'] } }],
]);

const setup = () => {
  const raw = new MemoryEventStore();
  const keys = new MemorySubjectKeyStore();
  const store = protectPersonalData(raw, new PersonalDataCodec({ declarations, keys, log: raw }));
  const append = (aggregateType: string, aggregateId: string, type: string, data: Record<string, unknown>) =>
    appendEvents(store, { stream: { aggregateType, aggregateId }, expectedVersion: 'any', events: [{ type, data }], region: 'test' });
  const erase = (subjectId: string) => eraseSubject({ store, keys, region: 'test', beforeErasure: [] }, subjectId);
  return { raw, keys, store, append, erase };
};

const readData = async (store: MemoryEventStore, aggregateType: string, aggregateId: string) =>
  (await store.readStream({ aggregateType, aggregateId }, { fromVersion: 1, limit: 100 }))!.events.map((e) => e.data);

describe('personal data in the log', () => {
  it('is sealed at rest and read back plain through the store', async () => {
    const { raw, store, append } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com', profile: { name: 'Ada', tier: 'gold' }, plan: 'free' });
    const [stored] = await readData(raw, 'Customer', 'c1');
    expect(JSON.stringify(stored)).not.toContain('ada@example.com');
    expect(JSON.stringify(stored)).not.toContain('Ada');
    expect(isSealedValue(stored!.email)).toBe(true);
    expect(stored).toMatchObject({ plan: 'free', profile: { tier: 'gold' } });
    expect(await readData(store as MemoryEventStore, 'Customer', 'c1')).toEqual([{ email: 'ada@example.com', profile: { name: 'Ada', tier: 'gold' }, plan: 'free' }]);
    const [byId] = await store.readEventsById({ aggregateType: 'Customer', aggregateId: 'c1' }, [(await raw.readAll(0, 10))[0]!.id]);
    expect(byId!.data.email).toBe('ada@example.com');
    expect((await (store as MemoryEventStore).readAll(0, 10))[0]!.data.email).toBe('ada@example.com');
  });

  it('reads as erased once the subject is erased, while the events stay and replay', async () => {
    const { store, append, erase } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com', profile: { name: 'Ada' } });
    await append('Order', 'o1', 'Placed', { customerId: 'c1', shipTo: '1 Main St', total: 30 });
    await append('Customer', 'c2', 'Registered', { email: 'bob@example.com', profile: { name: 'Bob' } });
    const outcome = await erase('c1');
    expect(outcome).toMatchObject({ subjectId: 'c1', erased: true, streamId: 'DataSubject-c1', version: 1 });
    expect(await readData(store as MemoryEventStore, 'Customer', 'c1')).toEqual([{ email: ERASED, profile: { name: ERASED } }]);
    expect(await readData(store as MemoryEventStore, 'Order', 'o1')).toEqual([{ customerId: 'c1', shipTo: ERASED, total: 30 }]);
    expect(await readData(store as MemoryEventStore, 'Customer', 'c2')).toEqual([{ email: 'bob@example.com', profile: { name: 'Bob' } }]);
    expect((await (store as MemoryEventStore).readAll(0, 10)).map((e) => e.type)).toEqual(['Registered', 'Placed', 'Registered', 'DataSubjectErased']);
  });

  it('refuses erasing twice, and erasing a subject it keeps nothing for, changing nothing', async () => {
    const { raw, append, erase } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com' });
    await erase('c1');
    const head = await raw.headPosition();
    await expect(erase('c1')).rejects.toBeInstanceOf(SubjectAlreadyErasedError);
    await expect(erase('nobody')).rejects.toBeInstanceOf(UnknownSubjectError);
    expect(await raw.headPosition()).toBe(head);
  });

  it('refuses new personal data for an erased subject, and keeps taking events without any', async () => {
    const { append, erase } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com' });
    await erase('c1');
    await expect(append('Order', 'o2', 'Placed', { customerId: 'c1', shipTo: 'elsewhere' })).rejects.toBeInstanceOf(SubjectErasedError);
    await expect(append('Order', 'o3', 'Placed', { customerId: 'c1', total: 1 })).resolves.toMatchObject({ version: 1 });
  });

  it('finishes an erasure interrupted after its event was written', async () => {
    const { store, keys, append } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com' });
    const failing: SubjectKeyStore = { ...keys, kind: 'memory', current: (s) => keys.current(s), create: (s, c) => keys.create(s, c), find: (s, v) => keys.find(s, v), close: () => keys.close(), erase: async () => { throw new Error('crashed'); } };
    await expect(eraseSubject({ store, keys: failing, region: 'test', beforeErasure: [] }, 'c1')).rejects.toThrow('crashed');
    const finished = await eraseSubject({ store, keys, region: 'test', beforeErasure: [] }, 'c1');
    expect(finished.version).toBe(1);
    expect(await readData(store as MemoryEventStore, 'Customer', 'c1')).toEqual([{ email: ERASED }]);
  });

  it('refuses to read a key that is gone without a recorded erasure as erased: the key store is not the log\'s', async () => {
    const { store, keys, append } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com' });
    await keys.erase('c1');
    await expect(store.readStream({ aggregateType: 'Customer', aggregateId: 'c1' }, { fromVersion: 1, limit: 10 })).rejects.toBeInstanceOf(SubjectKeyMissingError);
  });

  it('lets a second erasure finish a key deletion the first could not, and still answer already erased', async () => {
    const { store, keys, append } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com' });
    const erasures: string[] = [];
    const halfDone: SubjectKeyStore = {
      kind: 'memory',
      current: (s) => keys.current(s),
      create: (s, c) => keys.create(s, c),
      find: (s, v) => keys.find(s, v),
      close: () => keys.close(),
      // The key is gone for readers, but its deletion failed to finish (a Key Vault purge).
      erase: async (s) => {
        erasures.push(s);
        if (erasures.length === 1) {
          await keys.erase(s);
          throw new Error('purge failed');
        }
        return true;
      },
    };
    await expect(eraseSubject({ store, keys: halfDone, region: 'test', beforeErasure: [] }, 'c1')).rejects.toThrow('purge failed');
    await expect(eraseSubject({ store, keys: halfDone, region: 'test', beforeErasure: [] }, 'c1')).rejects.toBeInstanceOf(SubjectAlreadyErasedError);
    expect(erasures).toEqual(['c1', 'c1']);
  });

  it('names the field when an event does not name its subject', async () => {
    const { raw, append } = setup();
    const error = await append('Order', 'o1', 'Placed', { shipTo: '1 Main St' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors[0]!.path).toBe('body.events.0.data.customerId');
    const bad = await append('Order', 'o1', 'Placed', { customerId: 'has space', shipTo: 'x' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(await raw.headPosition()).toBe(0);
  });

  it('passes events of undeclared types and aggregates through unchanged', async () => {
    const { raw, append } = setup();
    await append('Customer', 'c1', 'Renamed', { email: 'plain@example.com' });
    await append('Invoice', 'i1', 'Registered', { email: 'plain@example.com' });
    expect((await raw.readAll(0, 10)).map((e) => e.data.email)).toEqual(['plain@example.com', 'plain@example.com']);
  });

  it('leaves a value the log already sealed as it is when written again', async () => {
    const { raw, store, append } = setup();
    await append('Customer', 'c1', 'Registered', { email: 'ada@example.com' });
    const [sealed] = await readData(raw, 'Customer', 'c1');
    await appendEvents(store, { stream: { aggregateType: 'Customer', aggregateId: 'c1' }, expectedVersion: 1, events: [{ type: 'Registered', data: sealed! }], region: 'test' });
    const [, again] = await readData(raw, 'Customer', 'c1');
    expect(again!.email).toEqual(sealed!.email);
    expect((await readData(store as MemoryEventStore, 'Customer', 'c1'))[1]).toEqual({ email: 'ada@example.com' });
  });
});

describe('declarations of personal data', () => {
  it('are refused at start when a path is not a dot path, a type declares no field, or the subject field is sealed', () => {
    expect(() => checkPersonalData('A', { E: { subject: { from: 'aggregateId' }, fields: ['a..b'] } })).toThrow(/dot paths/);
    expect(() => checkPersonalData('A', { E: { subject: { from: 'aggregateId' }, fields: ['__proto__.x'] } })).toThrow(/dot paths/);
    expect(() => checkPersonalData('A', { E: { subject: { from: 'aggregateId' }, fields: [] } })).toThrow(/no fields/);
    expect(() => checkPersonalData('A', { E: { subject: { from: 'data', field: 'id' }, fields: ['id'] } })).toThrow(/cannot itself be sealed/);
    expect(() => checkPersonalData('A', { E: { subject: { from: 'data', field: 'id' }, fields: ['email', 'address.street'] } })).not.toThrow();
  });
});

describe('the key cache', () => {
  const counting = () => {
    const keys = new MemorySubjectKeyStore();
    let reads = 0;
    const store: SubjectKeyStore = {
      kind: 'memory',
      current: (s) => keys.current(s),
      create: (s, c) => keys.create(s, c),
      find: (s, v) => ((reads += 1), keys.find(s, v)),
      erase: (s) => keys.erase(s),
      close: () => keys.close(),
    };
    return { store, reads: () => reads };
  };

  it('asks the store once per key while it is fresh, and again after its time', async () => {
    const { store, reads } = counting();
    let now = 0;
    const cache = new CachedSubjectKeys(store, { maxEntries: 10, ttlMs: 1000 }, () => now);
    await store.create('s1', new Uint8Array(32).fill(7));
    for (let i = 0; i < 5; i++) expect((await cache.find('s1', '1'))![0]).toBe(7);
    expect(reads()).toBe(1);
    now = 1001;
    await cache.find('s1', '1');
    expect(reads()).toBe(2);
  });

  it('holds at most its bound, dropping the least recently used', async () => {
    const { store, reads } = counting();
    const cache = new CachedSubjectKeys(store, { maxEntries: 2, ttlMs: 60_000 });
    for (const s of ['a', 'b', 'c']) await store.create(s, new Uint8Array(32));
    await cache.find('a', '1');
    await cache.find('b', '1');
    await cache.find('a', '1');
    await cache.find('c', '1'); // evicts b
    expect(reads()).toBe(3);
    await cache.find('a', '1');
    expect(reads()).toBe(3);
    await cache.find('b', '1');
    expect(reads()).toBe(4);
  });

  it('forgets a subject at once when it is erased through it', async () => {
    const { store } = counting();
    const cache = new CachedSubjectKeys(store, { maxEntries: 10, ttlMs: 60_000 });
    await cache.create('s1', new Uint8Array(32));
    expect(await cache.find('s1', '1')).toBeDefined();
    await cache.erase('s1');
    expect(await cache.find('s1', '1')).toBeUndefined();
  });
});
