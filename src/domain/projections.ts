import { defineProjection, defineView, type EventEnvelope } from '../core/index.ts';
import { decodeEvent } from './codec.ts';
import { CommentEvents } from './comment.ts';
import { EmailAddressEvents } from './emailAddress.ts';
import { PostEvents } from './post.ts';
import { COMMENT, EMAIL_ADDRESS, POST, USER } from './streams.ts';
import { UserEvents } from './user.ts';

// The reference domain's read views. Reducers are pure and see each stream in order, but streams in
// any interleaving, with redeliveries already dropped by the runtime; each reducer below is also
// idempotent on its own, so a view converges to one value per set of events.

const of = (aggregateType: string) => (event: EventEnvelope): boolean => event.aggregateType === aggregateType;

// ---- user -------------------------------------------------------------------------------------

export interface UserView {
  [field: string]: unknown;
  userId: string;
  email: string;
  name: string;
  status: 'pending' | 'active';
  registeredAt: string;
}

export const userProjection = defineProjection({
  name: 'users',
  version: 1,
  eventTypes: ['UserRegistered', 'UserActivated'],
  views: [
    defineView<UserView>({
      name: 'user',
      keysOf: (event) => (of(USER)(event) ? [event.aggregateId] : []),
      reduce: (current, stored) => {
        const event = decodeEvent(UserEvents, stored);
        if (event?.type === 'UserRegistered')
          return { userId: stored.aggregateId, email: event.data.email, name: event.data.name, status: current?.status ?? 'pending', registeredAt: stored.recordedAt };
        if (event?.type === 'UserActivated' && current !== undefined) return { ...current, status: 'active' };
        return current ?? null;
      },
    }),
  ],
});

// ---- post -------------------------------------------------------------------------------------

export interface PostComment {
  [field: string]: unknown;
  commentId: string;
  authorId: string;
  text: string;
  addedAt: string;
}

export interface PostView {
  [field: string]: unknown;
  postId: string;
  authorId: string;
  title: string;
  body: string;
  comments: PostComment[];
  commentCount: number;
}

/**
 * Documents the views API answers as absent (`deleted: true`): comments waiting for their post, kept
 * so they show once it arrives; and the tombstone of a deleted post, which later comments cannot
 * bring back.
 */
export type HiddenPost =
  | { [field: string]: unknown; postId: string; deleted: true; state: 'awaiting-post'; comments: PostComment[] }
  | { [field: string]: unknown; postId: string; deleted: true; state: 'deleted' };

export type PostDocument = PostView | HiddenPost;

/** Comment time order; the id breaks ties, so the order never depends on arrival. */
const byTime = (a: PostComment, b: PostComment): number =>
  a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.commentId < b.commentId ? -1 : a.commentId > b.commentId ? 1 : 0;

const withComment = (comments: readonly PostComment[], comment: PostComment): PostComment[] =>
  comments.some((c) => c.commentId === comment.commentId) ? [...comments] : [...comments, comment].sort(byTime);

export const reducePost = (current: PostDocument | undefined, stored: EventEnvelope, postId: string): PostDocument => {
  if (current?.deleted === true && current.state === 'deleted') return current;
  if (stored.aggregateType === COMMENT) {
    const event = decodeEvent(CommentEvents, stored);
    if (event === undefined) return current ?? { postId, deleted: true, state: 'awaiting-post', comments: [] };
    const comment: PostComment = { commentId: stored.aggregateId, authorId: event.data.authorId, text: event.data.text, addedAt: stored.recordedAt };
    if (current === undefined) return { postId, deleted: true, state: 'awaiting-post', comments: [comment] };
    const comments = withComment(current.comments as PostComment[], comment);
    return current.deleted === true ? { ...current, comments } : { ...current, comments, commentCount: comments.length };
  }
  const event = decodeEvent(PostEvents, stored);
  switch (event?.type) {
    case 'PostCreated': {
      const comments = current === undefined ? [] : [...(current.comments as PostComment[])].sort(byTime);
      return { postId, authorId: event.data.authorId, title: event.data.title, body: event.data.body, comments, commentCount: comments.length };
    }
    case 'PostDeleted':
      return { postId, deleted: true, state: 'deleted' };
    default:
      return current ?? { postId, deleted: true, state: 'awaiting-post', comments: [] };
  }
};

export const postProjection = defineProjection({
  name: 'posts',
  version: 1,
  eventTypes: ['PostCreated', 'PostDeleted', 'CommentAdded'],
  views: [
    defineView<PostDocument>({
      name: 'post',
      keysOf: (event) => {
        if (of(POST)(event)) return [event.aggregateId];
        if (!of(COMMENT)(event)) return [];
        const comment = decodeEvent(CommentEvents, event);
        return comment === undefined ? [] : [comment.data.postId];
      },
      reduce: (current, event, key) => reducePost(current, event, key),
    }),
  ],
});

// ---- email reservations -----------------------------------------------------------------------

export interface EmailReservationView {
  [field: string]: unknown;
  email: string;
  userId: string;
  status: 'reserved' | 'confirmed' | 'released';
  reservedAt: string;
}

export interface PendingReservation {
  [field: string]: unknown;
  email: string;
  userId: string;
  reservedAt: string;
}

/** Reservations still waiting for their registration, one document per hour they were made in. */
export interface PendingReservationsView {
  [field: string]: unknown;
  hour: string;
  /** By email address id (the reservation stream's aggregate id). */
  reservations: Record<string, PendingReservation>;
}

/** The key of the pending-reservations document of a time: `YYYY-MM-DDTHH` (UTC). */
export const reservationHour = (isoTime: string): string => new Date(isoTime).toISOString().slice(0, 13);

export const emailReservationProjection = defineProjection({
  name: 'email-reservations',
  version: 1,
  eventTypes: ['EmailReserved', 'EmailReservationConfirmed', 'EmailReservationReleased'],
  views: [
    defineView<EmailReservationView>({
      name: 'emailReservation',
      keysOf: (event) => (of(EMAIL_ADDRESS)(event) ? [event.aggregateId] : []),
      reduce: (current, stored) => {
        const event = decodeEvent(EmailAddressEvents, stored);
        switch (event?.type) {
          case 'EmailReserved':
            return { ...event.data, status: 'reserved' };
          case 'EmailReservationConfirmed':
            return current === undefined ? null : { ...current, status: 'confirmed' };
          case 'EmailReservationReleased':
            return current === undefined ? null : { ...current, status: 'released' };
          default:
            return current ?? null;
        }
      },
    }),
    defineView<PendingReservationsView>({
      name: 'pendingEmailReservations',
      keysOf: (stored) => {
        if (!of(EMAIL_ADDRESS)(stored)) return [];
        const event = decodeEvent(EmailAddressEvents, stored);
        return event === undefined ? [] : [reservationHour(event.data.reservedAt)];
      },
      reduce: (current, stored, hour) => {
        const event = decodeEvent(EmailAddressEvents, stored);
        // Keyed by an aggregate id, which could be `__proto__` or `constructor`: a Map, never a plain object lookup.
        const reservations = new Map(Object.entries(current?.reservations ?? {}));
        const held = reservations.get(stored.aggregateId);
        if (event?.type === 'EmailReserved') reservations.set(stored.aggregateId, event.data);
        else if (event !== undefined && held?.userId === event.data.userId) reservations.delete(stored.aggregateId);
        return { hour, reservations: Object.fromEntries(reservations) };
      },
    }),
  ],
});

/** Every projection of the reference domain, for the product's catalog. */
export const domainProjections = [userProjection, postProjection, emailReservationProjection];
