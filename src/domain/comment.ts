import { z } from 'zod';
import { ViewKey, type Decider, decodeEvent, type EventOf } from '../public/index.ts';
import { AlreadyExistsError } from './errors.ts';

// A comment: `Comment-{commentId}`, carrying the id of its post. Whether the post takes comments is
// the post's decision (post.ts, AcceptComment); a post deleted meanwhile simply hides the comment.

// Events: these reflect the storage format; version with care.
export const CommentEvents = {
  /** `postId` keys the post's view, so it must be a view key (a post id always is; anything else would halt the projection). */
  CommentAdded: z.object({ postId: ViewKey, authorId: z.string(), text: z.string() }),
};
export type CommentEvent = EventOf<typeof CommentEvents>;

export type CommentState = { status: 'none' } | { status: 'added'; postId: string; authorId: string; text: string };

export type CommentCommand = { type: 'Add'; commentId: string; postId: string; authorId: string; text: string };

export const initialState = (): CommentState => ({ status: 'none' });

export const evolve = (state: CommentState, stored: CommentEvent): CommentState => {
  const event = decodeEvent(CommentEvents, stored);
  if (event === undefined) return state;
  return state.status === 'none' ? { status: 'added', ...event.data } : state;
};

export const decide = (command: CommentCommand, state: CommentState): CommentEvent[] => {
  if (state.status === 'none')
    return [{ type: 'CommentAdded', data: { postId: command.postId, authorId: command.authorId, text: command.text } }];
  throw new AlreadyExistsError(`comment ${command.commentId} already exists`);
};

export const commentDecider: Decider<CommentCommand, CommentEvent, CommentState> = { initialState, evolve, decide };
