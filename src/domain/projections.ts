import { DATA_SUBJECT, DataSubjectEvents, defineProjection, defineView, ERASED, type EventEnvelope, decodeEvent } from '../public/index.ts';
import { CommentEvents } from './comment.ts';
import { EmailAddressEvents } from './emailAddress.ts';
import { PostEvents } from './post.ts';
import { COMMENT, EMAIL_ADDRESS, POST, USER, userStream } from './streams.ts';
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
  /** The user was erased as a data subject: email and name read "(erased)" whatever arrives later. */
  erased?: true;
}

/** The user view of an erased user, whatever order the erasure and the registration arrive in (streams interleave). */
const erasedUser = (current: UserView | undefined, userId: string): UserView => ({
  userId,
  status: 'pending',
  registeredAt: '',
  ...current,
  email: ERASED,
  name: ERASED,
  erased: true,
});

export const userProjection = defineProjection({
  name: 'users',
  version: 1,
  eventTypes: ['UserRegistered', 'UserActivated', 'DataSubjectErased'],
  views: [
    defineView<UserView>({
      name: 'user',
      keysOf: (event) => (of(USER)(event) || of(DATA_SUBJECT)(event) ? [event.aggregateId] : []),
      streamOf: (userId) => userStream(userId),
      reduce: (current, stored) => {
        if (of(DATA_SUBJECT)(stored)) return decodeEvent(DataSubjectEvents, stored) === undefined ? (current ?? null) : erasedUser(current, stored.aggregateId);
        const event = decodeEvent(UserEvents, stored);
        if (event?.type === 'UserRegistered') {
          const registered: UserView = { userId: stored.aggregateId, email: event.data.email, name: event.data.name, status: current?.status ?? 'pending', registeredAt: stored.recordedAt };
          return current?.erased === true ? erasedUser(registered, stored.aggregateId) : registered;
        }
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
  /** The reservation stream's aggregate id (hex SHA-256 of the normalized address). */
  emailAddressId: string;
  email: string;
  userId: string;
  reservedAt: string;
}

/**
 * Reservations still waiting for their registration, by the hour they were made in and a bucket of
 * their address: a busy hour spreads over `RESERVATION_BUCKETS` documents, so none outgrows an item.
 */
export interface PendingReservationsView {
  [field: string]: unknown;
  hour: string;
  /** In the order they were made (a list: copying it per event stays cheap where a large keyed map would not). */
  reservations: PendingReservation[];
}

/** The hour of a time: `YYYY-MM-DDTHH` (UTC). */
export const reservationHour = (isoTime: string): string => new Date(isoTime).toISOString().slice(0, 13);

/** Email address ids are hex SHA-256: their first digit spreads reservations evenly over 16 buckets. */
export const RESERVATION_BUCKETS = [...'0123456789abcdef'];

/** The key of a pending-reservations document: `YYYY-MM-DDTHH.{bucket}`. */
export const pendingReservationsKey = (hour: string, emailAddressId: string): string => `${hour}.${emailAddressId.charAt(0)}`;

export const emailReservationProjection = defineProjection({
  name: 'email-reservations',
  // 2: pending reservations are bucketed within the hour.
  version: 2,
  eventTypes: ['EmailReserved', 'EmailReservationConfirmed', 'EmailReservationReleased', 'EmailReservationErased'],
  views: [
    defineView<EmailReservationView>({
      name: 'emailReservation',
      keysOf: (event) => (of(EMAIL_ADDRESS)(event) ? [event.aggregateId] : []),
      streamOf: (emailAddressId) => ({ aggregateType: EMAIL_ADDRESS, aggregateId: emailAddressId }),
      reduce: (current, stored) => {
        const event = decodeEvent(EmailAddressEvents, stored);
        switch (event?.type) {
          case 'EmailReserved':
            return { ...event.data, status: 'reserved' };
          case 'EmailReservationConfirmed':
            return current === undefined ? null : { ...current, status: 'confirmed' };
          case 'EmailReservationReleased':
            return current === undefined ? null : { ...current, status: 'released' };
          case 'EmailReservationErased':
            // The view forgets the address of an erased holder; a later holder's reservation is kept.
            return current === undefined || current.userId === event.data.userId ? null : current;
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
        return event === undefined ? [] : [pendingReservationsKey(reservationHour(event.data.reservedAt), stored.aggregateId)];
      },
      reduce: (current, stored, key) => {
        const event = decodeEvent(EmailAddressEvents, stored);
        const hour = key.slice(0, key.indexOf('.'));
        const emailAddressId = stored.aggregateId;
        const others = (current?.reservations ?? []).filter((r) => r.emailAddressId !== emailAddressId);
        const held = current?.reservations.find((r) => r.emailAddressId === emailAddressId);
        if (event?.type === 'EmailReserved') return { hour, reservations: [...others, { emailAddressId, ...event.data }] };
        // Confirmed or released: it leaves the index, unless the address is held by someone else by now.
        if (event === undefined || (held !== undefined && held.userId !== event.data.userId)) return current ?? { hour, reservations: [] };
        return { hour, reservations: others };
      },
    }),
  ],
});

/** Every projection of the reference domain, for the product's catalog. */
export const domainProjections = [userProjection, postProjection, emailReservationProjection];
