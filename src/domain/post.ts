import { z } from 'zod';
import { type Decider, decodeEvent, type EventOf } from '../public/index.ts';
import { AlreadyExistsError, PostDeletedError, PostNotFoundError } from './errors.ts';

// A post: `Post-{postId}`. Its comments are streams of their own (see comment.ts), so the post's
// events and its comments' events reach projections in any interleaving.

// Events: these reflect the storage format; version with care.
export const PostEvents = {
  PostCreated: z.object({ authorId: z.string(), title: z.string(), body: z.string() }),
  PostDeleted: z.object({}),
};
export type PostEvent = EventOf<typeof PostEvents>;

export type PostState =
  | { status: 'none' }
  | { status: 'published' | 'deleted'; authorId: string; title: string; body: string };

export type PostCommand =
  | { type: 'Create'; postId: string; authorId: string; title: string; body: string }
  | { type: 'Delete'; postId: string }
  /** Decides whether a comment may be added now; records nothing (the comment is its own stream). */
  | { type: 'AcceptComment'; postId: string };

export const initialState = (): PostState => ({ status: 'none' });

export const evolve = (state: PostState, stored: PostEvent): PostState => {
  const event = decodeEvent(PostEvents, stored);
  if (event === undefined) return state;
  switch (event.type) {
    case 'PostCreated':
      return state.status === 'none' ? { status: 'published', ...event.data } : state;
    case 'PostDeleted':
      return state.status === 'published' ? { ...state, status: 'deleted' } : state;
  }
};

export const decide = (command: PostCommand, state: PostState): PostEvent[] => {
  switch (command.type) {
    case 'Create': {
      if (state.status === 'none')
        return [{ type: 'PostCreated', data: { authorId: command.authorId, title: command.title, body: command.body } }];
      throw new AlreadyExistsError(`post ${command.postId} already exists`);
    }
    case 'Delete':
      if (state.status === 'none') throw new PostNotFoundError(command.postId);
      return state.status === 'published' ? [{ type: 'PostDeleted', data: {} }] : [];
    case 'AcceptComment':
      if (state.status === 'none') throw new PostNotFoundError(command.postId);
      if (state.status === 'deleted') throw new PostDeletedError(command.postId);
      return [];
  }
};

export const postDecider: Decider<PostCommand, PostEvent, PostState> = { initialState, evolve, decide };
