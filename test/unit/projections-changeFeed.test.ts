import { describe, expect, it, vi } from 'vitest';
import type { EventEnvelope } from '../../src/core/index.ts';
import { handleChangeFeedBatch } from '../../src/consumers/changeFeed.ts';
import { ConsumerHeldError } from '../../src/consumers/errors.ts';
import { streamProjection } from '../../src/consumers/streamProjection.ts';
import { defineProjection, defineView, ERASED, eraseSubject, PersonalDataCodec, sealValue, silentLogger } from '../../src/core/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { MemorySubjectKeyStore } from '../../src/stores/memory/memorySubjectKeyStore.ts';
import { eventOf, fragileProjection, memoryRuntime, viewContents } from './projectionsFixtures.ts';

/** An event as the Cosmos DB change feed delivers it: the stored item with the service's system fields. */
const asChangeFeedDocument = (event: EventEnvelope, lsn: number) => ({
  ...event,
  _rid: 'hTkBAKkq9YUBAAAAAAAAAA==',
  _self: `dbs/hTkBAA==/colls/hTkBAKkq9YU=/docs/hTkBAKkq9YUBAAAAAAAAAA==/`,
  _etag: `"0000${lsn.toString(16).padStart(4, '0')}-0000-0d00-0000-67a1b2c30000"`,
  _attachments: 'attachments/',
  _ts: 1_738_000_000 + lsn,
  _lsn: lsn,
});

const events = [eventOf('Order-1', 1, 'Placed'), eventOf('Order-2', 1, 'Placed', { poison: true }), eventOf('Order-1', 2, 'Shipped')];
const documents = events.map((event, i) => asChangeFeedDocument(event, 10 + i));

describe('the change-feed handler', () => {
  it('applies documents shaped as the change feed delivers them, and a redelivered batch changes nothing', async () => {
    const { runtime, storage } = memoryRuntime([streamProjection]);
    expect(await handleChangeFeedBatch(runtime, 'stream', documents, silentLogger)).toMatchObject({ processed: 3, applied: 3 });
    const read = await runtime.readView('stream', 'Order-1', { atLeast: { streamId: 'Order-1', sequence: 2 }, waitMs: 0 });
    expect(read.kind === 'found' && read.document.data).toEqual({
      streamId: 'Order-1',
      aggregateType: 'Order',
      aggregateId: '1',
      version: 2,
      eventCount: 2,
      lastEventType: 'Shipped',
      lastRecordedAt: events[2]!.recordedAt,
    });
    const once = viewContents(storage);
    expect(await handleChangeFeedBatch(runtime, 'stream', documents, silentLogger)).toMatchObject({ applied: 0 });
    expect(viewContents(storage)).toEqual(once);
    expect(JSON.stringify(once)).not.toContain('_lsn');
  });

  it('passes over stream heads silently, and leaves out other items that are not events with a warning', async () => {
    const { runtime } = memoryRuntime([streamProjection]);
    const warn = vi.fn();
    const streamHead = { id: '$head', kind: 'streamHead', streamId: 'Order-1', aggregateType: 'Order', aggregateId: '1', sequence: 0, version: 2, _lsn: 12 };
    const outcome = await handleChangeFeedBatch(runtime, 'stream', [streamHead, ...documents], { ...silentLogger, warn });
    expect(outcome.processed).toBe(3);
    expect(warn).not.toHaveBeenCalled();

    await handleChangeFeedBatch(runtime, 'stream', [{ id: 'stray', _lsn: 1 }, ...documents], { ...silentLogger, warn });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('neither events'), expect.objectContaining({ ignored: 1 }));
  });

  it('throws on a poison event so the trigger holds the batch, and keeps throwing until the event is skipped', async () => {
    const { runtime } = memoryRuntime([fragileProjection({ poisonous: true })], { maxAttempts: 2 });
    await expect(handleChangeFeedBatch(runtime, 'fragile', documents, silentLogger)).rejects.toBeInstanceOf(ConsumerHeldError);
    await expect(handleChangeFeedBatch(runtime, 'fragile', documents, silentLogger)).rejects.toThrow(/is halted: on event Order-2#1/);
    expect(await runtime.entry('fragile')).toMatchObject({ status: 'halted', halt: { eventId: 'Order-2#1', attempts: 2 } });

    await runtime.resume('fragile', { skip: true });
    expect(await handleChangeFeedBatch(runtime, 'fragile', documents, silentLogger)).toMatchObject({ processed: 3 });
    const read = await runtime.readView('fragile', 'Order-1', { waitMs: 0 });
    expect(read.kind === 'found' && read.document.data).toEqual({ count: 2 });
  });

  it("opens sealed personal fields of the trigger's documents before the consumer sees them, erased ones as the marker", async () => {
    const keys = new MemorySubjectKeyStore();
    const log = new MemoryEventStore();
    const codec = new PersonalDataCodec({ declarations: new Map([['Member', { Joined: { subject: { from: 'aggregateId' as const }, fields: ['email'] } }]]), keys, log });
    const sealedFor = async (subjectId: string) => sealValue(`${subjectId}@example.com`, 'email', { subjectId, ...(await keys.create(subjectId, new Uint8Array(32).fill(subjectId.length))) });
    const member = defineProjection({
      name: 'members',
      version: 1,
      eventTypes: ['Joined'],
      views: [defineView<{ email: unknown }>({ name: 'member', keysOf: (event) => [event.aggregateId], reduce: (_current, event) => ({ email: event.data.email }) })],
    });
    const { runtime } = memoryRuntime([member]);
    const joined = [eventOf('Member-ann', 1, 'Joined', { email: await sealedFor('ann') }), eventOf('Member-bo', 1, 'Joined', { email: await sealedFor('bo') })];
    await eraseSubject({ store: log, keys, region: 'test', beforeErasure: [] }, 'bo');
    await handleChangeFeedBatch(runtime, 'members', joined.map((event, i) => asChangeFeedDocument(event, 20 + i)), silentLogger, (events) => codec.open(events));
    const email = async (key: string) => {
      const read = await runtime.readView('member', key, { waitMs: 0 });
      return read.kind === 'found' ? read.document.data?.email : undefined;
    };
    expect(await email('ann')).toBe('ann@example.com');
    expect(await email('bo')).toBe(ERASED);
  });
});
