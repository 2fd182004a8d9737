import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createApp,
  decodeEvent,
  defineAggregate,
  defineReactor,
  defineReservation,
  MailerUnavailableError,
  ProblemError,
  ValueTakenError,
  type Decider,
  type EventOf,
} from '../../src/public/index.ts';
import { deciderSpec } from '../../src/public/testing.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';
import { definitionOf } from '../../src/app/createApp.ts';
import { loadConfig } from '../../src/config.ts';

// The public API as a team uses it: declarations checked when they are made, a reservation that gives
// a value to one owner only, a reactor's circuit breaker, and the decider spec's verdicts.

const CounterEvents = { Incremented: z.object({ by: z.number().int() }) };
type CounterEvent = EventOf<typeof CounterEvents>;
class CapExceededError extends ProblemError('cap-exceeded', 409, 'Cap exceeded') {}
const counter: Decider<{ type: 'Increment'; by: number }, CounterEvent, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => {
    const decoded = decodeEvent(CounterEvents, event);
    return decoded === undefined ? state : { total: state.total + decoded.data.by };
  },
  decide: (command, state) => {
    if (state.total + command.by > 10) throw new CapExceededError(`total would be ${state.total + command.by}`);
    return command.by === 0 ? [] : [{ type: 'Incremented', data: { by: command.by } }];
  },
};

describe('defineAggregate', () => {
  const declare = (route: string, params?: z.ZodObject<z.ZodRawShape>) =>
    defineAggregate({
      aggregateType: 'Counter',
      events: CounterEvents,
      decider: counter,
      commands: (command) => [
        command({ name: 'increment', route, ...(params ? { params } : {}), aggregateId: ({ params: p }) => String((p as { counterId: string }).counterId), toCommand: () => ({ type: 'Increment', by: 1 }), summary: 'Add one' }),
      ],
    });

  it('serves its command routes in the app beside the generic API', () => {
    const app = createApp({ aggregates: [declare('counters/{counterId}/increment')] });
    expect(app.routes.map((r) => `${r.method} ${r.route}`)).toContain('POST counters/{counterId}/increment');
    expect(app.appendPolicy).toBeDefined();
  });

  it('refuses at declaration a route parameter its params schema does not parse', () => {
    expect(() => declare('counters/{counterId}/increment', z.object({ id: z.string() }))).toThrow(/path parameter \{counterId\} is not in its params schema/);
  });

  it('refuses an aggregate type that cannot start a stream id', () => {
    expect(() => defineAggregate({ aggregateType: 'Bad-Type', events: CounterEvents, decider: counter })).toThrow(/aggregate type "Bad-Type"/);
  });

  it('is handed to the hosts as a definition, or as a function of the configuration that builds one', () => {
    const config = loadConfig({ EVENT_STORE: 'memory', REGION: 'westeurope' });
    const app = createApp({ aggregates: [declare('counters/{counterId}/increment')] });
    expect(definitionOf(app, config)).toBe(app);
    expect(definitionOf((c) => createApp({ name: c.REGION, aggregates: [declare('counters/{counterId}/increment')] }), config).modules[0]?.name).toBe('westeurope');
  });

  it('refuses two command routes of one name across the app', () => {
    const one = declare('counters/{counterId}/increment');
    const other = defineAggregate({ ...one, aggregateType: 'Other', commands: (command) => [command({ name: 'increment', route: 'others/{id}', aggregateId: ({ params }) => params.id!, toCommand: () => ({ type: 'Increment', by: 1 }), summary: 'x' })] });
    expect(() => createApp({ aggregates: [one, other] })).toThrow(/increment/);
  });
});

describe('defineReservation', () => {
  const emails = defineReservation({
    aggregateType: 'Email',
    normalize: (value) => value.trim().toLowerCase(),
    eventTypes: { reserved: 'EmailReserved', confirmed: 'EmailConfirmed', released: 'EmailReleased' },
    fields: { value: 'email', owner: 'userId' },
  });
  const context = () => ({ store: new MemoryEventStore(), region: 'r' });

  it('gives a value to its first owner; another owner is refused, whatever the case of the value', async () => {
    const ctx = context();
    await emails.reserve(ctx, 'Ada@Example.com', 'u1');
    await expect(emails.reserve(ctx, 'ada@example.com ', 'u2')).rejects.toBeInstanceOf(ValueTakenError);
    expect(await emails.holder(ctx.store, 'ada@example.com')).toBe('u1');
  });

  it('lets the same owner reserve again without writing anything', async () => {
    const ctx = context();
    await emails.reserve(ctx, 'ada@example.com', 'u1');
    await emails.reserve(ctx, 'ada@example.com', 'u1');
    const slice = await ctx.store.readStream(emails.streamOf('ada@example.com'), { fromVersion: 1, limit: 10 });
    const events = slice?.events ?? [];
    expect(events.map((e) => e.type)).toEqual(['EmailReserved']);
  });

  it('frees a released value for the next owner, and keeps a confirmed one', async () => {
    const ctx = context();
    await emails.reserve(ctx, 'a@x.io', 'u1');
    await emails.release(ctx, 'a@x.io', 'u1', 'registration failed');
    await emails.reserve(ctx, 'a@x.io', 'u2');
    await emails.confirm(ctx, 'a@x.io', 'u2');
    await emails.release(ctx, 'a@x.io', 'u2', 'too late');
    expect(await emails.holder(ctx.store, 'a@x.io')).toBe('u2');
  });

  it('settles an abandoned reservation by its owner\'s fate, after its timeout only', async () => {
    const ctx = context();
    let now = new Date('2026-01-01T00:00:00Z');
    await emails.reserve({ ...ctx, now: () => now }, 'b@x.io', 'u1');
    const settle = { ...ctx, now: () => now, timeoutMs: 60_000, settleOwner: async () => 'abandoned' as const };
    expect(await emails.settle(settle, emails.idOf('b@x.io'))).toBe('not-due');
    now = new Date('2026-01-01T00:02:00Z');
    expect(await emails.settle(settle, emails.idOf('b@x.io'))).toBe('released');
    expect(await emails.holder(ctx.store, 'b@x.io')).toBeUndefined();
  });
});

describe('defineReactor', () => {
  it('opens its circuit after the failures in a row it is given, and shows it in its status', async () => {
    let calls = 0;
    const reactor = defineReactor({
      name: 'notify',
      eventTypes: ['Incremented'],
      handle: async () => {
        calls += 1;
        throw new MailerUnavailableError('down');
      },
      circuit: { failureThreshold: 2, openMs: 60_000 },
    });
    const handler = await reactor.start({ store: new MemoryEventStore(), region: 'r', logger: { info() {}, warn() {}, error() {} } as never });
    const event = { id: 'e1', type: 'Incremented' } as never;
    await expect(handler.handle(event)).rejects.toThrow();
    await expect(handler.handle(event)).rejects.toThrow();
    await expect(handler.handle(event)).rejects.toThrow();
    expect(calls).toBe(2);
    expect(handler.status?.()).toMatchObject({ circuit: { state: 'open' } });
    expect(handler.isTransient(new MailerUnavailableError('down'))).toBe(true);
  });

  it('refuses a name the projections listing cannot hold', () => {
    expect(() => defineReactor({ name: 'Not A Name', eventTypes: ['X'], handle: async () => {} })).toThrow(/reactor name/);
  });
});

describe('deciderSpec', () => {
  const spec = deciderSpec(counter);
  const incremented = (by: number): CounterEvent => ({ type: 'Incremented', data: { by } });

  it('passes when the decision is the expected events', () => {
    spec.given([incremented(2)]).when({ type: 'Increment', by: 3 }).then([incremented(3)]);
    spec.given([]).when({ type: 'Increment', by: 0 }).thenNothing();
  });

  it('fails with an AssertionError when the decision differs', () => {
    expect(() => spec.given([]).when({ type: 'Increment', by: 3 }).then([incremented(4)])).toThrow(AssertionError);
  });

  it('checks a refusal by its class, and fails when the command was not refused', () => {
    expect(spec.given([incremented(9)]).when({ type: 'Increment', by: 2 }).thenThrows(CapExceededError)).toBeInstanceOf(CapExceededError);
    expect(() => spec.given([incremented(9)]).when({ type: 'Increment', by: 2 }).thenThrows(TypeError)).toThrow(AssertionError);
    expect(() => spec.given([]).when({ type: 'Increment', by: 2 }).thenThrows()).toThrow(/expected to be refused/);
  });
});
