import { readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emailAddressStream } from '../../src/domain/streams.ts';
import { tempDir } from '../support/http.ts';

// The Azure side of the reference domain: the activation mail reactor's change-feed trigger and the
// reservation sweep's timer, with @azure/functions replaced by a recorder (no host, no network).

interface Registration {
  name: string;
  options: Record<string, unknown> & { handler: (...args: unknown[]) => Promise<unknown> };
}
const registered = vi.hoisted(() => ({ cosmosDB: [] as Registration[], timer: [] as Registration[] }));
vi.mock('@azure/functions', () => ({
  app: {
    setup: () => {},
    http: () => {},
    cosmosDB: (name: string, options: Registration['options']) => registered.cosmosDB.push({ name, options }),
    timer: (name: string, options: Registration['options']) => registered.timer.push({ name, options }),
  },
}));

const dataDir = tempDir('eventlog-domain-functions-');
let getApp: typeof import('../../functions/index.ts').getApp;

beforeAll(async () => {
  vi.stubEnv('EVENT_STORE', 'memory');
  vi.stubEnv('DATA_DIR', dataDir);
  vi.stubEnv('REGION', 'westeurope');
  vi.stubEnv('EMAIL_RESERVATION_TIMEOUT_SECONDS', '1');
  await import('../../functions/index.ts');
  ({ getApp } = await import('../../functions/index.ts'));
});
afterAll(async () => {
  await (await getApp?.())?.close();
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

const reactorTrigger = () => registered.cosmosDB.find((r) => r.name === 'react-activation-mail')!;
const sweepTimer = () => registered.timer.find((r) => r.name === 'sweep-email-reservations')!;
const context = () => ({ log: vi.fn(), warn: vi.fn(), error: vi.fn(), invocationId: 'test' });
/** Stored events as the change feed delivers them: the envelope plus Cosmos DB system fields. */
const asFeed = (events: object[]) => events.map((e, i) => ({ ...e, _rid: `rid${i}`, _self: `self${i}`, _etag: `"${i}"`, _attachments: 'attachments/', _ts: 1, _lsn: i }));

describe('Azure registrations of the reference domain', () => {
  it('register the reactor on the change feed with leases of its own and a retry policy that never gives up', () => {
    expect(registered.cosmosDB.map((r) => r.name).filter((name) => name.startsWith('react-'))).toEqual(['react-activation-mail']);
    expect(reactorTrigger().options).toMatchObject({
      connection: 'COSMOS',
      containerName: 'events',
      leaseContainerName: 'leases',
      leaseContainerPrefix: '%REGION%-activation-mail',
      startFromBeginning: true,
      retry: { maxRetryCount: -1 },
    });
    expect(sweepTimer().options.schedule).toBe('0 * * * * *');
  });

  it('the trigger mails on UserRegistered delivered by the change feed, once however often it is delivered; paused, it throws to hold the batch', async () => {
    const app = await getApp();
    const handler = reactorTrigger().options.handler;
    const { registerUser } = await import('../../src/domain/registration.ts');
    const user = await registerUser({ store: app.services.eventStore, region: 'westeurope', reservationTimeoutMs: 60_000 }, { email: 'feed@x.io', name: 'Feed' });
    const feed = asFeed((await app.services.eventStore.readStream({ aggregateType: 'User', aggregateId: user.userId }, { fromVersion: 1, limit: 10 }))!.events);

    await handler(feed, context());
    await handler(feed, context());
    expect(readdirSync(`${dataDir}/outbox`).filter((f) => f.endsWith('.eml'))).toHaveLength(1);

    await app.consumers.pause('activation-mail');
    await expect(handler(feed, context())).rejects.toThrow(/paused/);
    await app.consumers.resume('activation-mail', { skip: false });
  });

  it('every consumer trigger opens the sealed personal fields of what the change feed delivers, through the app', async () => {
    const app = await getApp();
    const { registerUser } = await import('../../src/domain/registration.ts');
    const user = await registerUser({ store: app.services.eventStore, region: 'westeurope', reservationTimeoutMs: 60_000 }, { email: 'sealed@x.io', name: 'Sealed' });
    const feed = asFeed((await app.services.eventStore.readStream({ aggregateType: 'User', aggregateId: user.userId }, { fromVersion: 1, limit: 10 }))!.events);
    const openEvents = vi.spyOn(app, 'openEvents');
    try {
      await registered.cosmosDB.find((r) => r.name === 'project-users')!.options.handler(feed, context());
      expect(openEvents).toHaveBeenCalledWith([expect.objectContaining({ type: 'UserRegistered', aggregateId: user.userId })]);
    } finally {
      openEvents.mockRestore();
    }
  });

  it('the timer settles reservations whose registration never completed', async () => {
    const app = await getApp();
    const { handleCommand } = await import('../../src/core/index.ts');
    const { emailAddressDecider } = await import('../../src/domain/emailAddress.ts');
    const reservedAt = new Date(Date.now() - 5_000).toISOString();
    await handleCommand(app.services.eventStore, emailAddressDecider, emailAddressStream('gone@x.io'), { type: 'Reserve', email: 'gone@x.io', userId: 'ghost', reservedAt }, { region: 'westeurope' });
    // No poller in Azure: deliver the log to the reservation projection as its trigger would.
    await app.consumers.applyLive('email-reservations', await (app.services.eventStore as unknown as { readAll(a: number, l: number): Promise<never[]> }).readAll(0, 1000));

    await sweepTimer().options.handler({}, context());
    const { loadAggregate } = await import('../../src/core/index.ts');
    expect((await loadAggregate(app.services.eventStore, emailAddressDecider, emailAddressStream('gone@x.io'))).state.status).toBe('released');
  });
});
