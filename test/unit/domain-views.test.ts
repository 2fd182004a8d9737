import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAbsentView, type EventEnvelope, type JsonObject } from '../../src/core/index.ts';
import { emailReservationProjection, postProjection, reducePost, userProjection, type PostDocument } from '../../src/domain/projections.ts';
import { applyBatch, ConfirmedProgress } from '../../src/consumers/projection/applyBatch.ts';
import { MemoryViewStore } from '../../src/stores/memory/memoryProjectionStorage.ts';

// The views must converge: the same set of events gives the same documents whatever order the
// streams interleave in, and however often events are redelivered.

const BASE = Date.parse('2025-01-01T10:00:00.000Z');
let ids = 0;
const envelope = (aggregateType: string, aggregateId: string, sequence: number, type: string, data: JsonObject, atMs: number): EventEnvelope => ({
  id: `e${++ids}`,
  streamId: `${aggregateType}-${aggregateId}`,
  aggregateType,
  aggregateId,
  sequence,
  type,
  schemaVersion: 1,
  data,
  metadata: {},
  recordedAt: new Date(atMs).toISOString(),
  region: 'r',
});

interface PostPlan {
  fate: 'absent' | 'created' | 'deleted';
  comments: Array<{ atSeconds: number; text: string }>;
}

/** One stream per post and per comment, each in its own sequence order. */
const streamsOf = (plans: PostPlan[]): EventEnvelope[][] =>
  plans.flatMap((plan, p) => {
    const postId = `p${p}`;
    const post: EventEnvelope[] = [];
    if (plan.fate !== 'absent') post.push(envelope('Post', postId, 1, 'PostCreated', { authorId: 'a', title: `T${p}`, body: 'b' }, BASE));
    if (plan.fate === 'deleted') post.push(envelope('Post', postId, 2, 'PostDeleted', {}, BASE + 60_000));
    const comments = plan.comments.map((c, i) =>
      [envelope('Comment', `c${p}-${i}`, 1, 'CommentAdded', { postId, authorId: `u${i}`, text: c.text }, BASE + c.atSeconds * 1000)],
    );
    return post.length > 0 ? [post, ...comments] : comments;
  });

/** An interleaving that keeps each stream's order, with earlier events delivered again along the way. */
const deliver = (streams: EventEnvelope[][], picks: number[]): EventEnvelope[] => {
  const next = streams.map(() => 0);
  const out: EventEnvelope[] = [];
  for (let k = 0; ; k++) {
    const open = streams.map((_, i) => i).filter((i) => next[i]! < streams[i]!.length);
    if (open.length === 0) return out;
    const pick = picks.length === 0 ? 0 : picks[k % picks.length]!;
    const stream = open[pick % open.length]!;
    out.push(streams[stream]![next[stream]!++]!);
    if (pick % 3 === 0) out.push(out[Math.floor(pick / 3) % out.length]!);
  }
};

const batches = <T>(items: T[], sizes: number[]): T[][] => {
  const out: T[][] = [];
  for (let at = 0, k = 0; at < items.length; k++) {
    const size = 1 + (sizes.length === 0 ? items.length : sizes[k % sizes.length]!);
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out;
};

const context = (views: MemoryViewStore) => ({ views, handlerRetry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, now: () => '2025-01-01T12:00:00.000Z', confirmed: new ConfirmedProgress(), progress: { kind: 'documents' as const } });

/** The stored documents of the post view, by key, as the runtime leaves them. */
const project = async (deliveries: EventEnvelope[][]): Promise<Record<string, JsonObject | null>> => {
  const views = new MemoryViewStore();
  for (const batch of deliveries) {
    const outcome = await applyBatch(context(views), { projection: postProjection, generation: 1, skip: new Set() }, batch);
    expect(outcome.poison).toBeUndefined();
  }
  return Object.fromEntries(views.snapshot().filter((d) => d.view === 'post@1').map((d) => [d.key, d.data]));
};

const plans = fc.array(
  fc.record({
    fate: fc.constantFrom<PostPlan['fate']>('absent', 'created', 'deleted'),
    comments: fc.array(fc.record({ atSeconds: fc.integer({ min: 0, max: 120 }), text: fc.string({ maxLength: 8 }) }), { maxLength: 5 }),
  }),
  { minLength: 1, maxLength: 3 },
);

describe('post view convergence', () => {
  it('the same post/comment/delete events in any interleaving, batching and redelivery give identical views', async () => {
    await fc.assert(
      fc.asyncProperty(plans, fc.array(fc.nat(1000), { maxLength: 40 }), fc.array(fc.nat(6), { maxLength: 10 }), async (plan, picks, sizes) => {
        const streams = streamsOf(plan);
        const clean = await project([streams.flat()]);
        const shuffled = await project(batches(deliver(streams, picks), sizes));
        expect(shuffled).toEqual(clean);

        plan.forEach((p, i) => {
          const data = clean[`p${i}`];
          if (p.fate === 'created') {
            expect(isAbsentView(data)).toBe(false);
            expect(data).toMatchObject({ commentCount: p.comments.length });
            const times = (data!.comments as Array<{ addedAt: string }>).map((c) => c.addedAt);
            expect(times).toEqual([...times].sort());
          } else if (p.fate === 'deleted' || p.comments.length > 0) expect(isAbsentView(data)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('the reducer alone is order-free and idempotent: any permutation with repeats folds to the same document', () => {
    fc.assert(
      fc.property(
        plans.map((p) => streamsOf(p.slice(0, 1)).flat()),
        fc.array(fc.nat(1000), { maxLength: 30 }),
        (events, picks) => {
          const fold = (list: EventEnvelope[]) => list.reduce<PostDocument | undefined>((doc, e) => reducePost(doc, e, 'p0'), undefined);
          const scrambled = [...events, ...picks.map((p) => events[p % Math.max(1, events.length)]!).filter(Boolean)];
          for (let i = scrambled.length - 1; i > 0; i--) {
            const j = (picks[i % Math.max(1, picks.length)] ?? 0) % (i + 1);
            [scrambled[i], scrambled[j]] = [scrambled[j]!, scrambled[i]!];
          }
          expect(fold(scrambled)).toEqual(fold(events));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a deleted post stays deleted when a late comment arrives, and a comment waits for its post', async () => {
    const [created, deleted] = streamsOf([{ fate: 'deleted', comments: [] }])[0]!;
    const late = envelope('Comment', 'late', 1, 'CommentAdded', { postId: 'p0', authorId: 'u', text: 'late' }, BASE + 120_000);
    expect(await project([[created!, deleted!], [late]])).toEqual({ p0: { postId: 'p0', deleted: true, state: 'deleted' } });

    const early = envelope('Comment', 'early', 1, 'CommentAdded', { postId: 'p0', authorId: 'u', text: 'early' }, BASE - 1000);
    const waiting = await project([[early]]);
    expect(isAbsentView(waiting.p0)).toBe(true);
    expect((await project([[early], [created!]])).p0).toMatchObject({ commentCount: 1, comments: [{ commentId: 'early', text: 'early' }] });
  });
});

describe('user and reservation views', () => {
  const apply = async (projection: typeof userProjection, events: EventEnvelope[]) => {
    const views = new MemoryViewStore();
    await applyBatch(context(views), { projection, generation: 1, skip: new Set() }, events);
    return views.snapshot().filter((d) => !d.view.startsWith('_')).map((d) => [d.view, d.key, d.data] as const);
  };

  it('the user view shows the registration, then the activation', async () => {
    const events = [
      envelope('User', 'u1', 1, 'UserRegistered', { email: 'a@x.io', name: 'A' }, BASE),
      envelope('User', 'u1', 2, 'ActivationEmailSent', { tokenHash: 'a'.repeat(64), messageId: 'm' }, BASE + 1),
      envelope('User', 'u1', 3, 'UserActivated', {}, BASE + 2),
    ];
    expect(await apply(userProjection, events)).toEqual([
      ['user@1', 'u1', { userId: 'u1', email: 'a@x.io', name: 'A', status: 'active', registeredAt: new Date(BASE).toISOString() }],
    ]);
    expect(await apply(userProjection, [envelope('Other', 'u1', 1, 'UserRegistered', { email: 'a@x.io', name: 'A' }, BASE)])).toEqual([]);
  });

  it('pending reservations leave the hour index (bucketed by address) when confirmed or released, and the address view follows its stream', async () => {
    const at = new Date(BASE + 5 * 60_000).toISOString();
    const later = new Date(BASE + 2 * 3_600_000).toISOString();
    const events = [
      envelope('EmailAddress', 'h1', 1, 'EmailReserved', { email: 'a@x.io', userId: 'u1', reservedAt: at }, BASE),
      envelope('EmailAddress', 'h2', 1, 'EmailReserved', { email: 'b@x.io', userId: 'u2', reservedAt: at }, BASE),
      envelope('EmailAddress', 'h1', 2, 'EmailReservationReleased', { userId: 'u1', reservedAt: at, reason: 'r' }, BASE),
      envelope('EmailAddress', 'h1', 3, 'EmailReserved', { email: 'a@x.io', userId: 'u3', reservedAt: later }, BASE),
      envelope('EmailAddress', 'h2', 2, 'EmailReservationConfirmed', { userId: 'u2', reservedAt: at }, BASE),
    ];
    const documents = Object.fromEntries((await apply(emailReservationProjection, events)).map(([view, key, data]) => [`${view}/${key}`, data]));
    expect(documents['pendingEmailReservations@1/2025-01-01T10.h']).toEqual({ hour: '2025-01-01T10', reservations: [] });
    expect(documents['pendingEmailReservations@1/2025-01-01T12.h']).toEqual({
      hour: '2025-01-01T12',
      reservations: [{ emailAddressId: 'h1', email: 'a@x.io', userId: 'u3', reservedAt: later }],
    });
    expect(documents['emailReservation@1/h1']).toMatchObject({ userId: 'u3', status: 'reserved' });
    expect(documents['emailReservation@1/h2']).toMatchObject({ userId: 'u2', status: 'confirmed' });
  });

  it('pending reservations keyed __proto__ or constructor are kept and released like any other', async () => {
    const at = new Date(BASE).toISOString();
    const events = ['__proto__', 'constructor', 'toString'].flatMap((id, i) => [
      envelope('EmailAddress', id, 1, 'EmailReserved', { email: `${i}@x.io`, userId: `u${i}`, reservedAt: at }, BASE),
    ]);
    // Every pending reservation, across the buckets the index spreads them over.
    const pending = async (batch: EventEnvelope[]) =>
      (await apply(emailReservationProjection, batch))
        .filter(([view]) => view.startsWith('pendingEmailReservations'))
        .flatMap(([, , data]) => (data as { reservations: Array<{ emailAddressId: string }> }).reservations.map((r) => r.emailAddressId))
        .sort();
    expect(await pending(events)).toEqual(['__proto__', 'constructor', 'toString']);
    const released = [...events, envelope('EmailAddress', '__proto__', 2, 'EmailReservationReleased', { userId: 'u0', reservedAt: at, reason: 'r' }, BASE)];
    expect(await pending(released)).toEqual(['constructor', 'toString']);
  });
});
