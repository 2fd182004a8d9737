import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// Posts and comments through HTTP, including the orders a multi-stream log can deliver: a comment
// before its post, and a comment after its post's delete (both written here through the raw append API).

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const json = async <T = Record<string, any>>(response: Response): Promise<T> => (await response.json()) as T;
const view = (postId: string, token: string) => server.request(`/api/views/post/${postId}?atLeast=${token}`);
const createPost = async (title = 'Hello') => json(await postJson(server, '/api/posts', { authorId: 'author-1', title, body: 'Body text' }));
const append = async (aggregateType: string, aggregateId: string, type: string, data: Record<string, unknown>) =>
  json<{ consistencyToken: string }>(await postJson(server, `/api/streams/${aggregateType}/${aggregateId}/events`, { events: [{ type, data }] }));

describe('posts and comments over HTTP', () => {
  it('a post with comments is served with its comments in time order and their count', async () => {
    const post = await createPost();
    expect(post).toMatchObject({ postId: expect.any(String), version: 1 });
    const first = await json(await postJson(server, `/api/posts/${post.postId}/comments`, { authorId: 'u1', text: 'first' }));
    const second = await postJson(server, `/api/posts/${post.postId}/comments`, { authorId: 'u2', text: 'second' });
    expect(second.status).toBe(201);
    const { commentId, consistencyToken } = await json(second);
    await view(post.postId, first.consistencyToken);
    const response = await view(post.postId, consistencyToken);
    expect(response.status).toBe(200);
    const { data } = await json(response);
    expect(data).toEqual({
      postId: post.postId,
      authorId: 'author-1',
      title: 'Hello',
      body: 'Body text',
      comments: [
        { commentId: first.commentId, authorId: 'u1', text: 'first', addedAt: expect.any(String) },
        { commentId, authorId: 'u2', text: 'second', addedAt: expect.any(String) },
      ],
      commentCount: 2,
    });
  });

  it('a deleted post is gone (404), takes no comments (410), and deleting again is still 200', async () => {
    const post = await createPost();
    const deleted = await server.request(`/api/posts/${post.postId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    const { consistencyToken } = await json(deleted);
    expect((await view(post.postId, consistencyToken)).status).toBe(404);

    const late = await postJson(server, `/api/posts/${post.postId}/comments`, { authorId: 'u1', text: 'too late' });
    expect(late.status).toBe(410);
    expect(await json(late)).toMatchObject({ type: 'post-deleted', status: 410 });
    expect((await server.request(`/api/posts/${post.postId}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('a comment that lands after the delete (a race the endpoint cannot see) does not bring the post back', async () => {
    const post = await createPost();
    const deleted = await json(await server.request(`/api/posts/${post.postId}`, { method: 'DELETE' }));
    const comment = await append('Comment', randomUUID(), 'CommentAdded', { postId: post.postId, authorId: 'u9', text: 'racing' });
    // Both applied (on Cosmos DB the change feed orders streams only within themselves): still gone.
    await view(post.postId, deleted.consistencyToken);
    expect((await view(post.postId, comment.consistencyToken)).status).toBe(404);
  });

  it('a comment that arrives before its post is kept, and shown once the post appears', async () => {
    const postId = randomUUID();
    const commentId = randomUUID();
    const comment = await append('Comment', commentId, 'CommentAdded', { postId, authorId: 'u1', text: 'early' });
    expect((await view(postId, comment.consistencyToken)).status).toBe(404);
    const created = await append('Post', postId, 'PostCreated', { authorId: 'a', title: 'Late post', body: '' });
    const { data } = await json(await view(postId, created.consistencyToken));
    expect(data).toMatchObject({ postId, title: 'Late post', commentCount: 1, comments: [{ commentId, text: 'early' }] });
  });

  it('unknown posts are 404 for comments and deletes; bad input is a 400 problem', async () => {
    const unknown = randomUUID();
    expect((await postJson(server, `/api/posts/${unknown}/comments`, { authorId: 'u1', text: 'x' })).status).toBe(404);
    expect((await server.request(`/api/posts/${unknown}`, { method: 'DELETE' })).status).toBe(404);
    for (const body of [{ authorId: 'a', title: '', body: 'b' }, { authorId: 'a b', title: 't', body: 'b' }, { title: 't', body: 'b' }, { authorId: 'a', title: 't' }]) {
      const response = await postJson(server, '/api/posts', body);
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ type: 'validation-error' });
    }
    const post = await createPost();
    expect((await postJson(server, `/api/posts/${post.postId}/comments`, { authorId: 'u1', text: '' })).status).toBe(400);
    expect((await postJson(server, `/api/posts/${post.postId}/comments`, { authorId: 'u1', text: 'ok', extra: 1 })).status).toBe(400);
  });
});
