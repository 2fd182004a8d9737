import { randomUUID } from 'node:crypto';
import { handleCommand, parseJsonBody, validate, viewLocation, writtenBy, type ApiRequest, type ApiResponse, type ApiServices } from '../public/index.ts';
import { hashActivationToken } from './activationToken.ts';
import { commentDecider } from './comment.ts';
import { postDecider } from './post.ts';
import { registerUser } from './registration.ts';
import { ActivateUserBody, AddCommentBody, CreatePostBody, PostParams, RegisterUserBody, UserParams } from './schemas.ts';
import { commentStream, postStream, userStream } from './streams.ts';
import { userDecider } from './user.ts';

// Command endpoints: parse, run the decider through the shared command handler, answer with the
// version and the consistency token (for `GET /api/views/{view}/{key}?atLeast=`).

/** The host's region, and its snapshots for the aggregates that declare them. */
const commandOptions = (services: ApiServices) => ({ region: services.region, snapshots: services.snapshots });

/** What registration takes from the host's configuration. */
export interface RegistrationSettings {
  /** A reservation this old without its user is abandoned (config EMAIL_RESERVATION_TIMEOUT_SECONDS). */
  reservationTimeoutMs: number;
  now?: () => Date;
}

export const registerUserHandler =
  (settings: RegistrationSettings) =>
  async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
    const { body } = validate({ body: [RegisterUserBody, parseJsonBody(request.body)] });
    const user = await registerUser(
      { store: services.eventStore, region: services.region, reservationTimeoutMs: settings.reservationTimeoutMs, now: settings.now },
      body,
    );
    return { status: 201, headers: { location: viewLocation('user', user.userId) }, body: user };
  };

export const activateUserHandler = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, body } = validate({ path: [UserParams, request.params], body: [ActivateUserBody, parseJsonBody(request.body)] });
  const stream = userStream(path.userId);
  const result = await handleCommand(
    services.eventStore,
    userDecider,
    stream,
    { type: 'Activate', userId: path.userId, tokenHash: hashActivationToken(body.token) },
    commandOptions(services),
  );
  return { status: 200, body: { userId: path.userId, status: 'active', ...writtenBy(stream, result) } };
};

export const createPostHandler = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { body } = validate({ body: [CreatePostBody, parseJsonBody(request.body)] });
  const postId = randomUUID();
  const stream = postStream(postId);
  const result = await handleCommand(services.eventStore, postDecider, stream, { type: 'Create', postId, ...body }, commandOptions(services));
  return { status: 201, headers: { location: viewLocation('post', postId) }, body: { postId, ...writtenBy(stream, result) } };
};

export const addCommentHandler = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, body } = validate({ path: [PostParams, request.params], body: [AddCommentBody, parseJsonBody(request.body)] });
  // The post decides (404 unknown, 410 deleted); a delete racing this comment wins in the view.
  await handleCommand(services.eventStore, postDecider, postStream(path.postId), { type: 'AcceptComment', postId: path.postId }, commandOptions(services));
  const commentId = randomUUID();
  const stream = commentStream(commentId);
  const result = await handleCommand(
    services.eventStore,
    commentDecider,
    stream,
    { type: 'Add', commentId, postId: path.postId, ...body },
    commandOptions(services),
  );
  return { status: 201, headers: { location: viewLocation('post', path.postId) }, body: { commentId, postId: path.postId, ...writtenBy(stream, result) } };
};

export const deletePostHandler = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [PostParams, request.params] });
  const stream = postStream(path.postId);
  const result = await handleCommand(services.eventStore, postDecider, stream, { type: 'Delete', postId: path.postId }, commandOptions(services));
  return { status: 200, body: { postId: path.postId, deleted: true, ...writtenBy(stream, result) } };
};
