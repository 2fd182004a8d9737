import { badRequest, json, jsonBody as body, notFound, problemResponse, unavailable, type OperationDoc } from '../public/index.ts';
import {
  ActivateUserBody,
  ActivateUserResponse,
  AddCommentBody,
  AddCommentResponse,
  CreatePostBody,
  CreatePostResponse,
  DeletePostResponse,
  PostParams,
  RegisterUserBody,
  RegisterUserResponse,
  UserParams,
} from './schemas.ts';

const TOKEN_NOTE = 'Read the view with `GET /api/views/{view}/{key}?atLeast={consistencyToken}` to see this write.';

/** OpenAPI documentation of the domain's command endpoints, by route name. */
export const domainOperations = {
  registerUser: {
    summary: 'Register a user',
    description: `The email address (trimmed, case-insensitive) is unique; an activation mail follows. ${TOKEN_NOTE} (view \`user\`)`,
    tags: ['domain'],
    request: { body: body(RegisterUserBody.meta({ id: 'RegisterUserRequest' })) },
    responses: {
      201: json('Registered; the user is `pending` until activated.', RegisterUserResponse.meta({ id: 'RegisteredUser' })),
      400: badRequest,
      409: problemResponse('`email-taken`: the address is already registered.'),
      503: unavailable,
    },
  },
  activateUser: {
    summary: 'Activate a user with the token from the activation mail',
    tags: ['domain'],
    request: { params: UserParams, body: body(ActivateUserBody) },
    responses: {
      200: json('Active (also when it already was, with the same token).', ActivateUserResponse),
      400: problemResponse('`invalid-activation-token`, or invalid input.'),
      404: notFound('No such user.'),
      503: unavailable,
    },
  },
  createPost: {
    summary: 'Create a post',
    description: `${TOKEN_NOTE} (view \`post\`)`,
    tags: ['domain'],
    request: { body: body(CreatePostBody.meta({ id: 'CreatePostRequest' })) },
    responses: { 201: json('Created.', CreatePostResponse), 400: badRequest, 503: unavailable },
  },
  addComment: {
    summary: 'Comment on a post',
    tags: ['domain'],
    request: { params: PostParams, body: body(AddCommentBody.meta({ id: 'AddCommentRequest' })) },
    responses: {
      201: json('Added.', AddCommentResponse),
      400: badRequest,
      404: notFound('No such post.'),
      410: problemResponse('`post-deleted`: the post was deleted.'),
      503: unavailable,
    },
  },
  deletePost: {
    summary: 'Delete a post',
    description: 'Its view disappears, and comments arriving later do not bring it back.',
    tags: ['domain'],
    request: { params: PostParams },
    responses: { 200: json('Deleted (also when it already was).', DeletePostResponse), 400: badRequest, 404: notFound('No such post.'), 503: unavailable },
  },
} satisfies Record<string, OperationDoc>;
