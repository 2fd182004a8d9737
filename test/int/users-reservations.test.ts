import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { appendEvents } from '../../src/core/index.ts';
import { emailAddressId } from '../../src/domain/streams.ts';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// Reservations whose registration never completed (a crash between the steps, written here straight to
// the store as the registration writes them: the raw append route takes no User or EmailAddress events)
// are settled: by the periodic sweep, or by the next registration of the address.

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
const append = (s: TestServer, aggregateType: string, aggregateId: string, type: string, data: Record<string, unknown>) =>
  appendEvents(s.app.services.eventStore, { stream: { aggregateType, aggregateId }, expectedVersion: 'any', events: [{ type, data }], region: 'local' });
const typesOf = async (s: TestServer, path: string): Promise<string[]> =>
  ((await (await s.request(`/api/streams/${path}/events`)).json()) as { events: Array<{ type: string }> }).events.map((e) => e.type);

const reservationStatus = (s: TestServer, email: string, expected: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  const poll = async (): Promise<string> => {
    const response = await s.request(`/api/views/emailReservation/${emailAddressId(email)}`);
    const status = response.status === 200 ? ((await response.json()) as { data: { status: string } }).data.status : `http ${response.status}`;
    if (status === expected || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return poll();
  };
  return poll();
};

describe('abandoned email reservations', () => {
  it('a registration meeting a reservation abandoned long ago settles it and registers', async () => {
    server = await startTestServer({ EMAIL_RESERVATION_TIMEOUT_SECONDS: '60' });
    const ghost = randomUUID();
    const email = 'lost@example.com';
    expect((await append(server, 'EmailAddress', emailAddressId(email), 'EmailReserved', { email, userId: ghost, reservedAt: ago(120_000) })).version).toBe(1);

    const registered = await postJson(server, '/api/users', { email, name: 'Found' });
    expect(registered.status).toBe(201);
    expect(await typesOf(server, `User/${ghost}`)).toEqual(['UserRegistrationAbandoned']);
    expect(await typesOf(server, `EmailAddress/${emailAddressId(email)}`)).toEqual([
      'EmailReserved',
      'EmailReservationReleased',
      'EmailReserved',
      'EmailReservationConfirmed',
    ]);
  });

  it('a recent reservation still blocks the address: 409', async () => {
    server = await startTestServer({ EMAIL_RESERVATION_TIMEOUT_SECONDS: '60' });
    const email = 'busy@example.com';
    await append(server, 'EmailAddress', emailAddressId(email), 'EmailReserved', { email, userId: randomUUID(), reservedAt: ago(1_000) });
    expect((await postJson(server, '/api/users', { email, name: 'Late' })).status).toBe(409);
  });

  it('the periodic sweep releases a reservation without its user and confirms one whose user registered', async () => {
    server = await startTestServer({ EMAIL_RESERVATION_TIMEOUT_SECONDS: '1', EMAIL_RESERVATION_SWEEP_SECONDS: '1' });
    const abandoned = 'abandoned@example.com';
    const completed = 'completed@example.com';
    const ghost = randomUUID();
    const user = randomUUID();
    await append(server, 'EmailAddress', emailAddressId(abandoned), 'EmailReserved', { email: abandoned, userId: ghost, reservedAt: ago(5_000) });
    await append(server, 'EmailAddress', emailAddressId(completed), 'EmailReserved', { email: completed, userId: user, reservedAt: ago(5_000) });
    await append(server, 'User', user, 'UserRegistered', { email: completed, name: 'Done' });

    expect(await reservationStatus(server, abandoned, 'released')).toBe('released');
    expect(await reservationStatus(server, completed, 'confirmed')).toBe('confirmed');
    expect(await typesOf(server, `User/${ghost}`)).toEqual(['UserRegistrationAbandoned']);
    expect(await typesOf(server, `User/${user}`)).toContain('UserRegistered');
    // The address is free again.
    expect((await postJson(server, '/api/users', { email: abandoned, name: 'Second try' })).status).toBe(201);
  });
});
