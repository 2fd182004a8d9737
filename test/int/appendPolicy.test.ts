import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// The raw append route and the reference domain's registered aggregates: User and EmailAddress are
// written by their commands only, Post and Comment events are checked against their schemas, and any
// other aggregate type stays free-form. The point: one client can no longer halt a projection (or the
// activation mail) for everyone by appending an event its readers cannot decode.

let server: TestServer;
beforeAll(async () => {
  // Two attempts before a halt, so a poison event would show within the test's time.
  server = await startTestServer({ PROJECTION_MAX_ATTEMPTS: '2', API_KEY: 'api-key', ADMIN_KEY: 'admin-key' });
});
afterAll(async () => {
  await server?.close();
});

const key = { 'x-functions-key': 'api-key' };
const admin = { 'x-functions-key': 'admin-key' };
const append = (aggregateType: string, aggregateId: string, events: unknown[], headers: Record<string, string> = key) =>
  postJson(server, `/api/streams/${aggregateType}/${aggregateId}/events`, { events }, headers);
const problemOf = async (response: Response) => {
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as { type: string; status: number; detail: string; errors?: Array<{ path: string; message: string }> };
};
const streamStatus = async (aggregateType: string, aggregateId: string) => (await server.request(`/api/streams/${aggregateType}/${aggregateId}`, { headers: key })).status;
const consumers = async () =>
  ((await (await server.request('/api/projections', { headers: key })).json()) as { projections: Array<{ name: string; status: string }> }).projections;

describe('raw appends to the reference domain', () => {
  it('a malformed UserRegistered is refused with 403 commands-only, with either key, and nothing is written', async () => {
    const userId = randomUUID();
    for (const headers of [key, admin]) {
      const response = await append('User', userId, [{ type: 'UserRegistered', data: { email: 42 } }], headers);
      expect(response.status).toBe(403);
      expect(await problemOf(response)).toMatchObject({ type: 'commands-only', status: 403, aggregateType: 'User' });
    }
    expect(await streamStatus('User', userId)).toBe(404);
  });

  it('even a well-formed UserRegistered or EmailReserved is refused: those streams are the commands\' alone', async () => {
    const userId = randomUUID();
    expect((await append('User', userId, [{ type: 'UserRegistered', data: { email: 'x@example.com', name: 'X' } }])).status).toBe(403);
    const reserved = await append('EmailAddress', 'a'.repeat(64), [{ type: 'EmailReserved', data: { email: 'x@example.com', userId, reservedAt: new Date().toISOString() } }]);
    expect(reserved.status).toBe(403);
    expect(await streamStatus('User', userId)).toBe(404);
    expect(await streamStatus('EmailAddress', 'a'.repeat(64))).toBe(404);
  });

  it('the users projection and the activation mail keep running, and a registration still goes through', async () => {
    await append('User', randomUUID(), [{ type: 'UserRegistered', data: { email: 42 } }]);
    await append('User', randomUUID(), [{ type: 'ActivationEmailSent', data: { tokenHash: 'nope', messageId: 1 } }]);
    const registered = await postJson(server, '/api/users', { email: 'policy@example.com', name: 'Policy' }, key);
    expect(registered.status).toBe(201);
    const { userId, consistencyToken } = (await registered.json()) as { userId: string; consistencyToken: string };
    const view = await server.request(`/api/views/user/${userId}?atLeast=${consistencyToken}&wait=5000`, { headers: key });
    expect(view.status).toBe(200);
    const byName = new Map((await consumers()).map((c) => [c.name, c.status]));
    expect(byName.get('users')).toBe('running');
    expect(byName.get('activation-mail')).toBe('running');
  });

  it('a Post or Comment event is checked against its schema: each wrong field is a 400 naming it, and nothing is written', async () => {
    const postId = randomUUID();
    const response = await append('Post', postId, [
      { type: 'PostCreated', data: { authorId: 'a', title: 42 } },
      { type: 'PostRenamed', data: {} },
      { type: 'PostDeleted', data: {}, schemaVersion: 2 },
    ]);
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.type).toBe('validation-error');
    expect(problem.errors!.map((e) => e.path)).toEqual([
      'body.events.0.data.title',
      'body.events.0.data.body',
      'body.events.1.type',
      'body.events.2.schemaVersion',
    ]);
    expect(problem.errors![2]!.message).toContain('PostCreated');
    expect(await streamStatus('Post', postId)).toBe(404);
  });

  it('a comment whose postId cannot key the post view is refused instead of halting the posts projection', async () => {
    const commentId = randomUUID();
    const response = await append('Comment', commentId, [{ type: 'CommentAdded', data: { postId: 'a/b', authorId: 'u', text: 't' } }]);
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors!.map((e) => e.path)).toEqual(['body.events.0.data.postId']);
    expect(await streamStatus('Comment', commentId)).toBe(404);
  });

  it('valid Post and Comment events are appended as sent, extra keys included', async () => {
    const postId = randomUUID();
    const created = await append('Post', postId, [{ type: 'PostCreated', data: { authorId: 'a', title: 'T', body: 'B', extra: { kept: true } } }]);
    expect(created.status).toBe(201);
    const comment = await append('Comment', randomUUID(), [{ type: 'CommentAdded', data: { postId, authorId: 'u', text: 'hello' } }]);
    expect(comment.status).toBe(201);
    const read = (await (await server.request(`/api/streams/Post/${postId}/events`, { headers: key })).json()) as { events: Array<{ data: unknown }> };
    expect(read.events[0]!.data).toEqual({ authorId: 'a', title: 'T', body: 'B', extra: { kept: true } });
    const { consistencyToken } = (await comment.json()) as { consistencyToken: string };
    const view = await server.request(`/api/views/post/${postId}?atLeast=${consistencyToken}`, { headers: key });
    expect(((await view.json()) as { data: { commentCount: number } }).data.commentCount).toBe(1);
    expect(new Map((await consumers()).map((c) => [c.name, c.status])).get('posts')).toBe('running');
  });

  it('aggregate types no module registers stay free-form', async () => {
    const response = await append('Order', randomUUID(), [{ type: 'UserRegistered', data: { email: 42 } }, { type: 'Anything', data: { deep: [1, { x: null }] }, schemaVersion: 7 }]);
    expect(response.status).toBe(201);
  });
});
