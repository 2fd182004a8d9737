import { z } from 'zod';
import { AggregateId } from '../public/index.ts';

// Request shapes of the domain's command endpoints. Bodies are strict, as the append body is: an
// unknown (misspelt) field is a 400, never silently ignored.

const noControlCharacters = /^[^\p{Cc}]*$/u;
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const RegisterUserBody = z.strictObject({
  email: z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be a valid email address')),
  name: text(200).regex(noControlCharacters, 'must not contain control characters'),
});

export const ActivateUserBody = z.strictObject({ token: z.string().min(1, 'must not be empty').max(200) });

export const CreatePostBody = z.strictObject({
  authorId: AggregateId,
  title: text(200).regex(noControlCharacters, 'must not contain control characters'),
  body: z.string().max(100_000, 'must be at most 100000 characters'),
});

export const AddCommentBody = z.strictObject({ authorId: AggregateId, text: text(10_000) });

export const UserParams = z.object({ userId: AggregateId });
export const PostParams = z.object({ postId: AggregateId });

const Written = { version: z.number().int().min(1), consistencyToken: z.string() };
export const RegisterUserResponse = z.object({ userId: z.uuid(), ...Written });
export const ActivateUserResponse = z.object({ userId: AggregateId, status: z.literal('active'), ...Written });
export const CreatePostResponse = z.object({ postId: z.uuid(), ...Written });
export const AddCommentResponse = z.object({ commentId: z.uuid(), postId: AggregateId, ...Written });
export const DeletePostResponse = z.object({ postId: AggregateId, deleted: z.literal(true), ...Written });
