import {
  CommandHandler,
  getCheckpoint,
  ExpectedVersionConflictError,
  isExpectedVersionConflictError,
  STREAM_DOES_NOT_EXIST,
  STREAM_EXISTS,
  ValidationError,
  type Event,
  type ReadEvent,
} from '@event-driven-io/emmett';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogProblemError } from '../../src/client/index.ts';
import { parseStreamId, type EventStore as LogEventStore } from '../../src/core/index.ts';
import { getEventLogEventStore, type EventLogEventStore, type EventLogFeedReadEventMetadata } from '../../src/emmett/index.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { SqliteEventStore } from '../../src/stores/sqlite/sqliteEventStore.ts';
import { startTestServer, tempDir } from '../support/http.ts';

// The behaviours Emmett's shared event-store suite expects of an adapter, written for this log, and
// run against every way of reaching it: over HTTP (the local host) and in-process on SQLite and memory.

interface OpenLog {
  eventStore(options?: { aggregateType?: string }): EventLogEventStore;
  /** The log's own view of a stream, to check what was (not) written. */
  versionOf(streamId: string): Promise<number>;
  close(): Promise<void>;
}

const inProcess = (open: () => { store: LogEventStore; cleanup?: () => void }) => async (): Promise<OpenLog> => {
  const { store, cleanup } = open();
  return {
    eventStore: (options = {}) => getEventLogEventStore({ store, ...options }),
    versionOf: async (streamId) => (await store.getStreamInfo(parseStreamId(streamId)!))?.version ?? 0,
    close: async () => {
      await store.close();
      cleanup?.();
    },
  };
};

const modes: { name: string; open: () => Promise<OpenLog> }[] = [
  {
    name: 'over HTTP against the local host',
    open: async () => {
      const server = await startTestServer({ API_KEY: 'emmett-key' });
      return {
        eventStore: (options = {}) => getEventLogEventStore({ url: server.url, apiKey: 'emmett-key', ...options }),
        versionOf: async (streamId) => (await server.app.services.eventStore.getStreamInfo(parseStreamId(streamId)!))?.version ?? 0,
        close: () => server.close(),
      };
    },
  },
  {
    name: 'in-process on SQLite',
    open: inProcess(() => {
      const dataDir = tempDir();
      return { store: new SqliteEventStore({ dataDir }), cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
    }),
  },
  { name: 'in-process on memory', open: inProcess(() => ({ store: new MemoryEventStore() })) },
];

type PricedProductItem = { productId: string; quantity: number; price: number };
type ShoppingCart = { productItems: PricedProductItem[]; totalAmount: number };
type ProductItemAdded = Event<'ProductItemAdded', { productItem: PricedProductItem }>;
type DiscountApplied = Event<'DiscountApplied', { percent: number }>;
type ShoppingCartEvent = ProductItemAdded | DiscountApplied;

const initialState = (): ShoppingCart => ({ productItems: [], totalAmount: 0 });
const evolve = (state: ShoppingCart, { type, data }: ShoppingCartEvent): ShoppingCart =>
  type === 'ProductItemAdded'
    ? { productItems: [...state.productItems, data.productItem], totalAmount: state.totalAmount + data.productItem.price * data.productItem.quantity }
    : { ...state, totalAmount: state.totalAmount * (1 - data.percent / 100) };
/** Same fold, typed over read events: Emmett lets evolve take either. */
const evolveWithMetadata = (state: ShoppingCart, event: ReadEvent<ShoppingCartEvent>): ShoppingCart => evolve(state, event);

const item: PricedProductItem = { productId: 'p-1', quantity: 10, price: 3 };
const productItemAdded = (productItem = item): ShoppingCartEvent => ({ type: 'ProductItemAdded', data: { productItem } });
const discountApplied = (percent: number): ShoppingCartEvent => ({ type: 'DiscountApplied', data: { percent } });

const handle = CommandHandler<ShoppingCart, ShoppingCartEvent>({ evolve, initialState });

let counter = 0;
const freshId = () => `${Date.now().toString(36)}-${++counter}`;

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

for (const mode of modes) {
  describe(`the Emmett event store ${mode.name}`, () => {
    const log = mode.open();
    afterAll(async () => (await log).close());
    const carts = async () => (await log).eventStore({ aggregateType: 'ShoppingCart' });

    describe('appendToStream and readStream', () => {
      it('appends return the next expected version and whether the stream was created', async () => {
        const store = await carts();
        const id = freshId();
        const first = await store.appendToStream(id, [productItemAdded(), productItemAdded()]);
        expect(first).toMatchObject({ nextExpectedStreamVersion: 2n, createdNewStream: true });
        expect(first.consistencyToken).toEqual(expect.any(String));
        expect(await store.appendToStream(id, [discountApplied(10)], { expectedStreamVersion: 2n })).toMatchObject({
          nextExpectedStreamVersion: 3n,
          createdNewStream: false,
        });
      });

      it('reads events with Emmett read metadata, their own metadata round-tripped', async () => {
        const store = await carts();
        const id = freshId();
        const metadata = { correlationId: 'corr-1', causationId: 'cause-1', tenant: { id: 't-9', tags: ['a', 'b'] } };
        await store.appendToStream(id, [{ ...productItemAdded(), metadata }]);

        const read = await store.readStream<ShoppingCartEvent>(id);
        expect(read.currentStreamVersion).toBe(1n);
        expect(read.streamExists).toBe(true);
        expect(read.events).toHaveLength(1);
        const [event] = read.events;
        expect(event).toMatchObject({ type: 'ProductItemAdded', data: { productItem: item }, kind: 'Event' });
        expect(event!.metadata).toMatchObject({
          ...metadata,
          streamName: id,
          streamId: `ShoppingCart-${id}`,
          streamPosition: 1n,
          schemaVersion: 1,
          region: 'local',
        });
        expect(event!.metadata.messageId).toMatch(/^[0-9a-f-]{36}$/);
        expect(event!.metadata.eventId).toBe(event!.metadata.messageId);
        expect(Date.parse(event!.metadata.recordedAt)).not.toBeNaN();
      });

      it('reads a stream that has no events as empty, at version 0', async () => {
        expect(await (await carts()).readStream(freshId())).toEqual({ currentStreamVersion: 0n, events: [], streamExists: false });
      });

      it('reads the range from..to, inclusive, and at most maxCount events', async () => {
        const store = await carts();
        const id = freshId();
        await store.appendToStream(id, Array.from({ length: 6 }, () => productItemAdded()));
        const positions = async (options: Parameters<typeof store.readStream>[1]) => {
          const read = await store.readStream(id, options);
          return { positions: read.events.map((e) => e.metadata.streamPosition), version: read.currentStreamVersion };
        };
        expect(await positions({ from: 2n, to: 4n })).toEqual({ positions: [2n, 3n, 4n], version: 4n });
        expect(await positions({ from: 3n, maxCount: 2n })).toEqual({ positions: [3n, 4n], version: 4n });
        expect(await positions({ maxCount: 1n })).toEqual({ positions: [1n], version: 1n });
        expect(await positions({ from: 5n })).toEqual({ positions: [5n, 6n], version: 6n });
        expect(await positions({ from: 0n, to: 99n })).toEqual({ positions: [1n, 2n, 3n, 4n, 5n, 6n], version: 6n });
        expect(await positions({ from: 9n })).toEqual({ positions: [], version: 6n });
        expect(await positions({ from: 4n, to: 2n })).toEqual({ positions: [], version: 2n });
      });

      it('a read with an expected version that does not hold fails fast', async () => {
        const store = await carts();
        const id = freshId();
        await store.appendToStream(id, [productItemAdded()]);
        const error = await rejection(store.readStream(id, { expectedStreamVersion: STREAM_DOES_NOT_EXIST }));
        expect(error).toBeInstanceOf(ExpectedVersionConflictError);
        expect(error).toMatchObject({ expected: STREAM_DOES_NOT_EXIST, current: '1' });
        await expect(store.readStream(id, { expectedStreamVersion: 1n })).resolves.toMatchObject({ currentStreamVersion: 1n });
      });

      it('upcasts on read and downcasts on append when a schema is given', async () => {
        const store = await carts();
        const id = freshId();
        type Stored = Event<'ProductItemAdded', { sku: string; qty: number; unitPrice: number }>;
        const downcast = (event: ShoppingCartEvent): Stored => {
          const { productItem } = (event as ProductItemAdded).data;
          return { type: 'ProductItemAdded', data: { sku: productItem.productId, qty: productItem.quantity, unitPrice: productItem.price } };
        };
        const upcast = (event: Stored): ShoppingCartEvent => ({
          type: 'ProductItemAdded',
          data: { productItem: { productId: event.data.sku, quantity: event.data.qty, price: event.data.unitPrice } },
        });
        await store.appendToStream<ShoppingCartEvent, Stored>(id, [productItemAdded()], { schema: { versioning: { downcast } } });
        expect((await store.readStream(id)).events[0]!.data).toEqual({ sku: 'p-1', qty: 10, unitPrice: 3 });
        const { state } = await store.aggregateStream<ShoppingCart, ShoppingCartEvent, Stored>(id, {
          evolve,
          initialState,
          read: { schema: { versioning: { upcast } } },
        });
        expect(state).toEqual({ productItems: [item], totalAmount: 30 });
      });
    });

    describe('aggregateStream', () => {
      for (const [how, fold] of [
        ['evolve over raw events', evolve],
        ['evolve over read events with metadata', evolveWithMetadata],
      ] as const) {
        it(`travels in time with read.to (${how})`, async () => {
          const store = await carts();
          const id = freshId();
          await store.appendToStream(id, [productItemAdded()]);
          await store.appendToStream(id, [productItemAdded()]);
          await store.appendToStream(id, [discountApplied(10)]);

          const at = (to: bigint) => store.aggregateStream<ShoppingCart, ShoppingCartEvent>(id, { evolve: fold, initialState, read: { to } });
          expect(await at(1n)).toEqual({ currentStreamVersion: 1n, state: { productItems: [item], totalAmount: 30 }, streamExists: true });
          expect(await at(2n)).toEqual({ currentStreamVersion: 2n, state: { productItems: [item, item], totalAmount: 60 }, streamExists: true });
          expect(await at(3n)).toEqual({ currentStreamVersion: 3n, state: { productItems: [item, item], totalAmount: 54 }, streamExists: true });
        });
      }

      it('aggregates a stream with no events to the initial state', async () => {
        expect(await (await carts()).aggregateStream(freshId(), { evolve, initialState })).toEqual({
          currentStreamVersion: 0n,
          state: initialState(),
          streamExists: false,
        });
      });
    });

    describe('expected versions', () => {
      it('STREAM_DOES_NOT_EXIST on an existing stream fails, with the current version, and writes nothing', async () => {
        const store = await carts();
        const id = freshId();
        await store.appendToStream(id, [productItemAdded()], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
        const error = await rejection(store.appendToStream(id, [productItemAdded()], { expectedStreamVersion: STREAM_DOES_NOT_EXIST }));
        expect(error).toBeInstanceOf(ExpectedVersionConflictError);
        expect(isExpectedVersionConflictError(error)).toBe(true);
        expect(error).toMatchObject({ expected: STREAM_DOES_NOT_EXIST, current: '1' });
        expect(await (await log).versionOf(`ShoppingCart-${id}`)).toBe(1);
      });

      it('STREAM_EXISTS on a stream without events fails; on an existing one it appends', async () => {
        const store = await carts();
        const id = freshId();
        expect(await rejection(store.appendToStream(id, [productItemAdded()], { expectedStreamVersion: STREAM_EXISTS }))).toMatchObject({
          expected: STREAM_EXISTS,
          current: '0',
        });
        await store.appendToStream(id, [productItemAdded()]);
        await expect(store.appendToStream(id, [productItemAdded()], { expectedStreamVersion: STREAM_EXISTS })).resolves.toMatchObject({
          nextExpectedStreamVersion: 2n,
        });
      });

      it('a stale bigint version fails with expected and current', async () => {
        const store = await carts();
        const id = freshId();
        await store.appendToStream(id, [productItemAdded(), productItemAdded(), productItemAdded()]);
        expect(await rejection(store.appendToStream(id, [productItemAdded()], { expectedStreamVersion: 2n }))).toMatchObject({
          expected: '2',
          current: '3',
        });
      });
    });

    describe('streamExists', () => {
      it('is true for a stream with events when it is the only stream of the log', async () => {
        const isolated = await mode.open();
        try {
          const store = isolated.eventStore({ aggregateType: 'ShoppingCart' });
          const id = freshId();
          await store.appendToStream(id, [productItemAdded()]);
          expect(await store.streamExists(id)).toBe(true);
        } finally {
          await isolated.close();
        }
      });

      it('is false for a stream without events when the log has no streams at all', async () => {
        const isolated = await mode.open();
        try {
          expect(await isolated.eventStore({ aggregateType: 'ShoppingCart' }).streamExists(freshId())).toBe(false);
        } finally {
          await isolated.close();
        }
      });

      it('is true for each of several streams', async () => {
        const store = await carts();
        const [a, b] = [freshId(), freshId()];
        await store.appendToStream(a, [productItemAdded()]);
        await store.appendToStream(b, [productItemAdded({ productId: 'p-2', quantity: 20, price: 6 })]);
        expect(await store.streamExists(a)).toBe(true);
        expect(await store.streamExists(b)).toBe(true);
      });

      it('is false for a stream without events while other streams exist', async () => {
        const store = await carts();
        const existing = freshId();
        await store.appendToStream(existing, [productItemAdded()]);
        expect(await store.streamExists(freshId())).toBe(false);
        expect(await store.streamExists(existing)).toBe(true);
      });
    });

    describe('CommandHandler', () => {
      it('creates the stream with STREAM_DOES_NOT_EXIST, and fails fast with it once the stream exists', async () => {
        const store = await carts();
        const id = freshId();
        const created = await handle(store, id, () => productItemAdded(), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
        expect(created).toMatchObject({ nextExpectedStreamVersion: 1n, createdNewStream: true, newState: { totalAmount: 30 } });
        let decided = 0;
        const error = await rejection(
          handle(store, id, () => (decided++, productItemAdded()), { expectedStreamVersion: STREAM_DOES_NOT_EXIST }),
        );
        expect(error).toBeInstanceOf(ExpectedVersionConflictError);
        expect(decided).toBe(0);
        expect(await (await log).versionOf(`ShoppingCart-${id}`)).toBe(1);
      });

      it('does not retry a version conflict when retry is not enabled', async () => {
        const store = await carts();
        const id = freshId();
        await handle(store, id, () => productItemAdded(), { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
        let tried = 0;
        const error = await rejection(
          handle(store, id, () => {
            tried++;
            throw new ExpectedVersionConflictError(0n, 1n);
          }),
        );
        expect(isExpectedVersionConflictError(error)).toBe(true);
        expect(tried).toBe(1);
      });

      it('a concurrent write between read and append is a conflict: reported without retry, decided again with it', async () => {
        const store = await carts();
        const id = freshId();
        await store.appendToStream(id, [productItemAdded()]);
        const racingWriter = () => {
          let raced = false;
          return async (state: ShoppingCart) => {
            if (!raced) {
              raced = true;
              await store.appendToStream(id, [productItemAdded()]);
            }
            return discountApplied(state.productItems.length * 10);
          };
        };

        const error = await rejection(handle(store, id, racingWriter()));
        expect(error).toBeInstanceOf(ExpectedVersionConflictError);
        expect(error).toMatchObject({ expected: '1', current: '2' });
        expect(await (await log).versionOf(`ShoppingCart-${id}`)).toBe(2);

        const retried = await handle(store, id, racingWriter(), { retry: { onVersionConflict: 3 } });
        // The retry decided on the three items it read, not the two of the first try.
        expect(retried.newEvents).toEqual([discountApplied(30)]);
        expect(retried.nextExpectedStreamVersion).toBe(4n);
      });

      it('20 concurrent commands on one stream all succeed with retries, leaving events 1..20', { timeout: 60_000 }, async () => {
        const store = await carts();
        const id = freshId();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            handle(store, id, () => productItemAdded({ productId: `p-${i}`, quantity: 1, price: 1 }), { retry: { onVersionConflict: 20 } }),
          ),
        );
        expect(results.map((r) => r.nextExpectedStreamVersion).sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
        const read = await store.readStream<ShoppingCartEvent>(id);
        expect(read.events.map((e) => e.metadata.streamPosition)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
        expect(new Set(read.events.map((e) => (e as ProductItemAdded).data.productItem.productId)).size).toBe(20);
        expect(await (await log).versionOf(`ShoppingCart-${id}`)).toBe(20);
      });
    });

    describe('bad input', () => {
      const expectRefused = async (attempt: Promise<unknown>, message: RegExp) => {
        const error = await rejection(attempt);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(message);
      };

      it('a stream name that does not map is refused and nothing is written', async () => {
        const l = await log;
        const plain = l.eventStore();
        await expectRefused(plain.appendToStream('not a stream', [productItemAdded()]), /must be "\{aggregateType\}-\{aggregateId\}"/);
        await expectRefused(plain.appendToStream(`nodash${freshId().replace(/-/g, '')}`, [productItemAdded()]), /does not name a stream/);
        await expectRefused(plain.readStream('9x-1'), /does not name a stream/);
        await expectRefused(plain.streamExists('-1'), /does not name a stream/);
        await expectRefused((await carts()).appendToStream('has space', [productItemAdded()]), /not a valid aggregate id of "ShoppingCart"/);
      });

      it('a stream name with its aggregate type works without the option too, and names the same stream', async () => {
        const l = await log;
        const id = freshId();
        await (await carts()).appendToStream(id, [productItemAdded()]);
        expect(await l.eventStore().streamExists(`ShoppingCart-${id}`)).toBe(true);
        expect((await l.eventStore().readStream(`ShoppingCart-${id}`)).events[0]!.metadata.streamName).toBe(`ShoppingCart-${id}`);
      });

      it('an event without type, or with data that is not an object, is refused and nothing of the append is written', async () => {
        const store = await carts();
        const id = freshId();
        const bad = (events: unknown[]) => store.appendToStream(id, events as ShoppingCartEvent[]);
        await expectRefused(bad([productItemAdded(), { data: {} }]), /events\.1\.type/);
        await expectRefused(bad([{ type: 'ProductItemAdded', data: 'ten items' }]), /events\.0\.data/);
        await expectRefused(bad([{ type: 'ProductItemAdded', data: [1, 2] }]), /events\.0\.data/);
        await expectRefused(bad([{ type: 'Product Item Added', data: {} }]), /events\.0\.type/);
        await expectRefused(bad([]), /at least one event/);
        expect(await (await log).versionOf(`ShoppingCart-${id}`)).toBe(0);
        expect(await store.streamExists(id)).toBe(false);
      });

      it('an expected version or read range that is not a version is refused', async () => {
        const store = await carts();
        const id = freshId();
        await expectRefused(store.appendToStream(id, [productItemAdded()], { expectedStreamVersion: -1n }), /expectedStreamVersion/);
        await expectRefused(store.appendToStream(id, [productItemAdded()], { expectedStreamVersion: 'latest' as never }), /expectedStreamVersion/);
        await expectRefused(store.readStream(id, { from: -2n }), /from/);
        await expectRefused(store.readStream(id, { maxCount: 0n }), /maxCount/);
        expect(await (await log).versionOf(`ShoppingCart-${id}`)).toBe(0);
      });
    });

    describe('feed', () => {
      it("gives the log's events with its global position as Emmett's globalPosition (Emmett's checkpoint), resumable after a feedCursor", async () => {
        const store = await carts();
        const [a, b] = [freshId(), freshId()];
        await store.appendToStream(a, [productItemAdded(), discountApplied(5)]);
        await store.appendToStream(b, [productItemAdded()]);
        await (await log).eventStore().appendToStream(`Other-${freshId()}`, [discountApplied(1)]);

        const stop = new AbortController();
        const read: Array<ReadEvent<ShoppingCartEvent, EventLogFeedReadEventMetadata>> = [];
        for await (const event of store.feed<ShoppingCartEvent>({ signal: stop.signal })) {
          if (event.metadata.streamName === a || event.metadata.streamName === b) read.push(event);
          if (read.length === 3) stop.abort();
        }
        expect(read.map((e) => [e.metadata.streamName, e.metadata.streamPosition, e.type])).toEqual([
          [a, 1n, 'ProductItemAdded'],
          [a, 2n, 'DiscountApplied'],
          [b, 1n, 'ProductItemAdded'],
        ]);
        const positions = read.map((e) => e.metadata.globalPosition!);
        expect(positions.every((p) => typeof p === 'bigint')).toBe(true);
        expect(positions[1]! > positions[0]! && positions[2]! > positions[1]!).toBe(true);
        expect(read.map((e) => getCheckpoint(e as never))).toEqual(positions);

        const resumed = new AbortController();
        for await (const event of store.feed({ streamName: a, after: read[0]!.metadata.feedCursor, signal: resumed.signal })) {
          expect([event.metadata.streamName, event.metadata.streamPosition]).toEqual([a, 2n]);
          resumed.abort();
        }
      });
    });
  });
}

describe('the Emmett event store over HTTP', () => {
  it('is refused without the API key, with the server answer typed', async () => {
    const server = await startTestServer({ API_KEY: 'the-key' });
    try {
      const error = await rejection(getEventLogEventStore({ url: server.url, aggregateType: 'Cart' }).streamExists('1'));
      expect(error).toBeInstanceOf(EventLogProblemError);
      expect(error).toMatchObject({ status: 401, type: 'unauthorized' });
    } finally {
      await server.close();
    }
  });
});
