import { describe, expect, it } from 'vitest';
import { handleCommand, loadAggregate } from '../../src/core/index.ts';
import { emailAddressDecider } from '../../src/domain/emailAddress.ts';
import { EmailTakenError, RegistrationAbandonedError } from '../../src/domain/errors.ts';
import { registerUser, resolveReservation, type RegistrationContext } from '../../src/domain/registration.ts';
import { emailAddressId, emailAddressStream, normalizeEmail, userStream } from '../../src/domain/streams.ts';
import { userDecider } from '../../src/domain/user.ts';
import { MemoryEventStore } from '../../src/stores/memory/memoryEventStore.ts';

// Uniqueness from the log: the reservation stream admits one registration, and the compensating
// resolution agrees with a registration racing it, whoever wins.

const contextOf = (store = new MemoryEventStore(), overrides: Partial<RegistrationContext> = {}): RegistrationContext => ({
  store,
  region: 'r',
  reservationTimeoutMs: 60_000,
  ...overrides,
});

const address = async (context: RegistrationContext, email: string) =>
  (await loadAggregate(context.store, emailAddressDecider, emailAddressStream(normalizeEmail(email)))).state;

describe('registration', () => {
  it('normalizes the address: trimmed and lower-cased, hashed into a valid aggregate id', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(emailAddressId('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('registers and confirms the reservation', async () => {
    const context = contextOf();
    const user = await registerUser(context, { email: 'A@x.io', name: 'A' });
    expect(user.version).toBe(1);
    expect(await address(context, 'a@x.io')).toMatchObject({ status: 'confirmed', userId: user.userId });
    expect((await loadAggregate(context.store, userDecider, userStream(user.userId))).state).toMatchObject({ status: 'pending', email: 'a@x.io' });
  });

  it('of 20 concurrent registrations of one address, exactly one succeeds and 19 are told it is taken', async () => {
    const context = contextOf();
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => registerUser(context, { email: i % 2 ? 'b@x.io' : ' B@X.IO', name: `B${i}` })));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof EmailTakenError)).toHaveLength(19);
    expect(await address(context, 'b@x.io')).toMatchObject({ status: 'confirmed', userId: (won[0] as PromiseFulfilledResult<{ userId: string }>).value.userId });
  });

  it('resolving leaves recent and settled reservations alone', async () => {
    const context = contextOf();
    await handleCommand(context.store, emailAddressDecider, emailAddressStream('c@x.io'), { type: 'Reserve', email: 'c@x.io', userId: 'u1', reservedAt: new Date().toISOString() }, { region: 'r' });
    expect(await resolveReservation(context, emailAddressId('c@x.io'))).toBe('not-due');
    await registerUser(context, { email: 'd@x.io', name: 'D' });
    expect(await resolveReservation(context, emailAddressId('d@x.io'))).toBe('settled');
    expect(await resolveReservation(context, emailAddressId('nobody@x.io'))).toBe('settled');
  });

  it('a late registration racing the resolution: whichever reaches the user stream first, both agree', async () => {
    const outcomes = { registered: 0, abandoned: 0 };
    for (let round = 0; round < 40; round++) {
      const context = contextOf(new MemoryEventStore(), { reservationTimeoutMs: 0 });
      const email = `race${round}@x.io`;
      const userId = `u${round}`;
      await handleCommand(context.store, emailAddressDecider, emailAddressStream(email), { type: 'Reserve', email, userId, reservedAt: new Date(0).toISOString() }, { region: 'r' });
      // Staggered starts, so both orders happen over the rounds.
      const after = <T>(ms: number, work: () => Promise<T>) => new Promise((r) => setTimeout(r, ms)).then(work);
      const register = after(round % 3, () => handleCommand(context.store, userDecider, userStream(userId), { type: 'Register', userId, email, name: 'N' }, { region: 'r' }));
      const resolvers = [0, 1, 2].map((i) => after((round + i) % 2, () => resolveReservation(context, emailAddressId(email))));
      const [registered, ...resolved] = await Promise.allSettled([register, ...resolvers]);

      const user = (await loadAggregate(context.store, userDecider, userStream(userId))).state;
      const reservation = await address(context, email);
      if (registered!.status === 'fulfilled') {
        outcomes.registered++;
        expect(user.status).toBe('pending');
        // Resolvers that came before the registration left it to them; the registration path confirms.
        await handleCommand(context.store, emailAddressDecider, emailAddressStream(email), { type: 'Confirm', userId }, { region: 'r' });
        expect((await address(context, email)).status).toBe('confirmed');
      } else {
        outcomes.abandoned++;
        expect(registered!.reason).toBeInstanceOf(RegistrationAbandonedError);
        expect(user.status).toBe('abandoned');
        expect(reservation.status).toBe('released');
      }
      for (const outcome of resolved) expect(outcome.status).toBe('fulfilled');
      expect(reservation.status === 'released' && user.status === 'pending').toBe(false);
    }
    expect(outcomes.registered).toBeGreaterThan(0);
    expect(outcomes.abandoned).toBeGreaterThan(0);
  });

  it('a registration meeting an abandoned reservation settles it and takes the address', async () => {
    const context = contextOf(new MemoryEventStore(), { reservationTimeoutMs: 1_000 });
    await handleCommand(context.store, emailAddressDecider, emailAddressStream('e@x.io'), { type: 'Reserve', email: 'e@x.io', userId: 'ghost', reservedAt: new Date(Date.now() - 5_000).toISOString() }, { region: 'r' });
    const user = await registerUser(context, { email: 'e@x.io', name: 'E' });
    expect(await address(context, 'e@x.io')).toMatchObject({ status: 'confirmed', userId: user.userId });
    expect((await loadAggregate(context.store, userDecider, userStream('ghost'))).state.status).toBe('abandoned');
  });
});
