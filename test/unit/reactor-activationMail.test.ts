import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand, loadAggregate, StoreUnavailableError, type EventEnvelope, type EventStore } from '../../src/core/index.ts';
import { hashActivationToken } from '../../src/domain/activationToken.ts';
import { registerUser } from '../../src/domain/registration.ts';
import { userStream } from '../../src/domain/streams.ts';
import { userDecider } from '../../src/domain/user.ts';
import { silentLogger } from '../../src/core/index.ts';
import { ConsumerHeldError } from '../../src/consumers/errors.ts';
import { LogFollower } from '../../src/consumers/follower.ts';
import { ConsumerRuntime, type DeliveryOptions } from '../../src/consumers/runtime.ts';
import { ACTIVATION_MAIL_REACTOR, activationMailHandler, activationMailReactor } from '../../src/domain/activationMail.ts';
import { MailerUnavailableError, MailRejectedError, type Mail, type Mailer } from '../../src/reactors/mailer.ts';
import { openMemoryProjectionStorage } from '../../src/stores/memory/memoryProjectionStorage.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';

// The activation mail reactor: at least once, exactly one mail per user in every run without a
// crash, no mail lost while the mail service is down, a poison mail halting only until skipped.

const pollers: LogFollower[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

/** A mailer that records what it sent and fails as told. */
const recordingMailer = (fail: (mail: Mail, call: number) => Error | undefined = () => undefined) => {
  const sent: Mail[] = [];
  let calls = 0;
  const mailer: Mailer = {
    kind: 'test',
    send: async (mail) => {
      const error = fail(mail, ++calls);
      if (error) throw error;
      sent.push(mail);
    },
  };
  return { mailer, sent, calls: () => calls };
};

const setup = (mailer: Mailer, store: MemoryEventStore = new MemoryEventStore(), appendTo: EventStore = store) => {
  const storage = openMemoryProjectionStorage();
  const breaker = { failureThreshold: 3, openMs: 20 };
  const runtime = new ConsumerRuntime({
    projections: [],
    reactors: [
      { definition: activationMailReactor({ mailer: () => mailer, breaker }), handler: activationMailHandler({ store: appendTo, mailer, region: 'r', breaker }) },
    ],
    views: storage.views,
    checkpoints: storage.checkpoints,
    region: 'r',
    maxAttempts: 2,
    reactorBackoff: { baseDelayMs: 1, maxDelayMs: 5 },
    log: store,
  });
  // The reactor as an operator and a host see it, through the one consumer runtime.
  const runner = {
    entry: () => runtime.entry(ACTIVATION_MAIL_REACTOR),
    handleBatch: (events: EventEnvelope[], options: DeliveryOptions) => runtime.applyLive(ACTIVATION_MAIL_REACTOR, events, options),
    pause: () => runtime.pause(ACTIVATION_MAIL_REACTOR),
    resume: (options: { skip: boolean }) => runtime.resume(ACTIVATION_MAIL_REACTOR, options),
  };
  const poller = new LogFollower({ runtime, log: store, logger: silentLogger, idleMs: 10, retryBudgetMs: 100 });
  pollers.push(poller);
  const register = (email: string) => registerUser({ store, region: 'r', reservationTimeoutMs: 60_000 }, { email, name: email.split('@')[0]! });
  return { store, runner, poller, register };
};

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const tokenOf = (mail: Mail): string => /^ {4}(\S+)$/m.exec(mail.text)![1]!;
const mailsRecorded = async (store: EventStore, userId: string) =>
  ((await store.readStream(userStream(userId), { fromVersion: 1, limit: 100 }))?.events ?? []).filter((e) => e.type === 'ActivationEmailSent');

describe('activation mail reactor', () => {
  it('survives a mailer that fails N times then recovers: exactly one mail per user, none lost', async () => {
    const { mailer, sent, calls } = recordingMailer((_mail, call) => (call <= 7 ? new MailerUnavailableError('service down') : undefined));
    const { store, runner, poller, register } = setup(mailer);
    const users = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => register(`${n}@x.io`)));
    poller.start();
    await until(() => sent.length === 5);
    await until(async () => (await runner.entry()).lag === 0);

    expect(calls()).toBeGreaterThan(5);
    expect(sent.map((m) => m.to).sort()).toEqual(['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io', 'e@x.io']);
    const entry = await runner.entry();
    expect(entry).toMatchObject({ status: 'running', eventsApplied: 5, circuit: { state: 'closed' } });
    expect((entry.circuit as { opened: number }).opened).toBeGreaterThan(0);
    for (const user of users) {
      const recorded = await mailsRecorded(store, user.userId);
      expect(recorded).toHaveLength(1);
      const mail = sent.find((m) => m.text.includes(user.userId))!;
      expect(recorded[0]!.data.tokenHash).toBe(hashActivationToken(tokenOf(mail)));
    }

    // Redelivery of everything, as a change feed may do: nothing is sent again.
    await poller.stop();
    await runner.handleBatch(await store.readAll(0, 100), { retryBudgetMs: 100 });
    expect(sent).toHaveLength(5);
  });

  it('a crash between sending and recording resends the same message, and its token activates', async () => {
    const { mailer, sent } = recordingMailer();
    const store = new MemoryEventStore();
    let failRecord = true;
    // The log refuses the first record of a sent mail, as a store that went away would.
    const flaky = new Proxy(store, {
      get(target, property) {
        if (property === 'append')
          return async (request: Parameters<EventStore['append']>[0]) => {
            if (failRecord && request.events.some((e) => e.type === 'ActivationEmailSent')) {
              failRecord = false;
              throw new StoreUnavailableError('store went away');
            }
            return target.append(request);
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { poller, register } = setup(mailer, store, flaky);
    const user = await register('crash@x.io');
    poller.start();
    await until(async () => (await mailsRecorded(store, user.userId)).length === 1);

    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    const activated = await handleCommand(store, userDecider, userStream(user.userId), { type: 'Activate', userId: user.userId, tokenHash: hashActivationToken(tokenOf(sent[0]!)) }, { region: 'r' });
    expect(activated.state.status).toBe('active');
  });

  it('a mail the service rejects halts the reactor on its event; resume with skip passes it and goes on', async () => {
    const { mailer, sent } = recordingMailer((mail) => (mail.to === 'bad@x.io' ? new MailRejectedError('no such mailbox') : undefined));
    const { runner, poller, register } = setup(mailer);
    await register('ok1@x.io');
    const bad = await register('bad@x.io');
    await register('ok2@x.io');
    poller.start();
    await until(async () => (await runner.entry()).status === 'halted');

    const halted = await runner.entry();
    expect(halted.halt).toMatchObject({ streamId: `User-${bad.userId}`, type: 'UserRegistered', attempts: 2, error: expect.stringContaining('no such mailbox') });
    expect(halted.lastError).toContain('no such mailbox');
    expect(sent.map((m) => m.to)).toEqual(['ok1@x.io']);
    await expect(runner.handleBatch([], { retryBudgetMs: 10 })).rejects.toBeInstanceOf(ConsumerHeldError);

    await runner.resume({ skip: true });
    await until(() => sent.length === 2);
    expect(sent.map((m) => m.to)).toEqual(['ok1@x.io', 'ok2@x.io']);
    expect((await runner.entry()).skipped).toEqual([expect.objectContaining({ streamId: `User-${bad.userId}` })]);
  });

  it('a paused reactor sends nothing and keeps its place; resumed, it sends what came meanwhile', async () => {
    const { mailer, sent } = recordingMailer();
    const { runner, poller, register } = setup(mailer);
    poller.start();
    expect(await runner.pause()).toMatchObject({ status: 'halted', paused: true });
    await expect(runner.handleBatch([], { retryBudgetMs: 10 })).rejects.toMatchObject({ reason: 'paused' });
    await register('later@x.io');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent).toHaveLength(0);

    expect(await runner.resume({ skip: false })).toMatchObject({ status: 'running', paused: false });
    await until(() => sent.length === 1);
  });

  it('users already mailed or no longer pending get no mail', async () => {
    const { mailer, sent } = recordingMailer();
    const { store, runner, register } = setup(mailer);
    const user = await register('once@x.io');
    await handleCommand(store, userDecider, userStream(user.userId), { type: 'RecordActivationEmailSent', userId: user.userId, tokenHash: 'c'.repeat(64), messageId: 'm' }, { region: 'r' });
    await handleCommand(store, userDecider, userStream('ghost'), { type: 'Abandon', reason: 'r' }, { region: 'r' });
    await runner.handleBatch(await store.readAll(0, 100), { retryBudgetMs: 10 });
    expect(sent).toHaveLength(0);
    expect((await loadAggregate(store, userDecider, userStream(user.userId))).state).toMatchObject({ activationTokenHashes: ['c'.repeat(64)] });
  });
});
