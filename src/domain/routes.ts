import { registerOperations } from '../api/openapi.ts';
import { registerProblemMapper } from '../api/problem.ts';
import type { ApiServices } from '../api/services.ts';
import type { Route } from '../api/types.ts';
import { activateUserHandler, addCommentHandler, createPostHandler, deletePostHandler, registerUserHandler } from './handlers.ts';
import { domainOperations } from './openapi.ts';
import { domainProblem } from './problems.ts';

// The API knows no domain: the domain adds its problem mapping and its OpenAPI entries.
registerProblemMapper(domainProblem);
registerOperations(domainOperations);

/** The reference domain's command endpoints; the product's route table includes them. */
export const domainRoutes: Route<ApiServices>[] = [
  { name: 'registerUser', method: 'POST', route: 'users', authLevel: 'function', handle: registerUserHandler },
  { name: 'activateUser', method: 'POST', route: 'users/{userId}/activate', authLevel: 'function', handle: activateUserHandler },
  { name: 'createPost', method: 'POST', route: 'posts', authLevel: 'function', handle: createPostHandler },
  { name: 'addComment', method: 'POST', route: 'posts/{postId}/comments', authLevel: 'function', handle: addCommentHandler },
  { name: 'deletePost', method: 'DELETE', route: 'posts/{postId}', authLevel: 'function', handle: deletePostHandler },
];
