import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emailAddressStream } from '../../src/domain/streams.ts';
import { MailerUnavailableError, type Mail, type Mailer } from '../../src/reactors/mailer.ts';
import { outboxDir } from '../../src/reactors/openMailer.ts';
import { productModules } from '../../src/product.ts';
import { postJson, startTestServer, type TestServer } from '../support/http.ts';

// The reference domain through HTTP: registration with unique emails, the activation mail in the
// local outbox, activation, and the reactor's status and control among the projections.

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const eventually = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

/** The activation mail sent to `to`, from the outbox: its text and the token in it. */
const mailTo = (dataDir: string, to: string) =>
  eventually(async () => {
    const files = await readdir(outboxDir(dataDir)).catch(() => [] as string[]);
    for (const file of files.filter((f) => f.endsWith('.eml'))) {
      const text = await readFile(join(outboxDir(dataDir), file), 'utf8');
      if (text.includes(`To: "`) && text.includes(`<${to}>`)) return { file, text, token: /^ {4}(\S+)\r$/m.exec(text)![1]! };
    }
    return undefined;
  });

const register = (s: TestServer, body: unknown) => postJson(s, '/api/users', body);

describe('users over HTTP', () => {
  it('register, read the view with the token, find the mail in the outbox, activate, and the view says active', async () => {
    server = await startTestServer();
    const registered = await register(server, { email: '  Ada@Example.COM ', name: 'Ada Lovelace' });
    expect(registered.status).toBe(201);
    const { userId, version, consistencyToken } = (await registered.json()) as { userId: string; version: number; consistencyToken: string };
    expect(version).toBe(1);
    expect(registered.headers.get('location')).toBe(`/api/views/user/${userId}`);

    const view = await server.request(`/api/views/user/${userId}?atLeast=${consistencyToken}`);
    expect(view.status).toBe(200);
    const pending = ((await view.json()) as { data: Record<string, unknown> }).data;
    expect(pending).toEqual({ userId, email: 'ada@example.com', name: 'Ada Lovelace', status: 'pending', registeredAt: expect.any(String) });

    const mail = await mailTo(server.dataDir, 'ada@example.com');
    expect(mail.text).toContain('Subject: Activate your account');
    expect(mail.text).toContain(`POST /api/users/${userId}/activate`);

    const wrong = await postJson(server, `/api/users/${userId}/activate`, { token: 'not-the-token' });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(((await wrong.json()) as { type: string }).type).toBe('invalid-activation-token');

    const activated = await postJson(server, `/api/users/${userId}/activate`, { token: mail.token });
    expect(activated.status).toBe(200);
    const body = (await activated.json()) as { status: string; consistencyToken: string };
    expect(body.status).toBe('active');

    const after = await server.request(`/api/views/user/${userId}?atLeast=${body.consistencyToken}`);
    expect(((await after.json()) as { data: { status: string } }).data.status).toBe('active');

    // The log keeps the token's hash only, never the token.
    const events = await server.request(`/api/streams/User/${userId}/events`);
    const stored = JSON.stringify(await events.json());
    expect(stored).toContain('ActivationEmailSent');
    expect(stored).not.toContain(mail.token);
  });

  it('20 concurrent registrations of one email: exactly one 201 and 19 409 email-taken', async () => {
    server = await startTestServer();
    const s = server;
    const variants = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'grace@example.com' : ` GRACE@example.com  `));
    const responses = await Promise.all(variants.map((email, i) => register(s, { email, name: `Grace ${i}` })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    const conflicts = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json() as Promise<{ type: string }>));
    expect(new Set(conflicts.map((c) => c.type))).toEqual(new Set(['email-taken']));
  });

  it('bad input is a 400 problem naming the field, and writes nothing', async () => {
    server = await startTestServer();
    for (const [body, path] of [
      [{ email: 'not-an-email', name: 'X' }, 'body.email'],
      [{ email: 'x@example.com', name: '   ' }, 'body.name'],
      [{ email: 'x@example.com' }, 'body.name'],
      [{ email: 'x@example.com', name: 'X', admin: true }, 'body'],
      [{ email: 'x@example.com', name: 'line\nbreak' }, 'body.name'],
    ] as const) {
      const response = await register(server, body);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { type: string; errors: Array<{ path: string }> };
      expect(problem.type).toBe('validation-error');
      expect(problem.errors.map((e) => e.path)).toContain(path);
    }
    const notJson = await server.request('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(await server.app.services.eventStore.getStreamInfo(emailAddressStream('x@example.com'))).toBeUndefined();
  });

  it('activation: unknown user 404, malformed user id 400, repeat with the same token 200', async () => {
    server = await startTestServer();
    expect((await postJson(server, '/api/users/0b7e4c3e-0000-4000-8000-000000000000/activate', { token: 't' })).status).toBe(404);
    expect((await postJson(server, `/api/users/${encodeURIComponent('bad id!')}/activate`, { token: 't' })).status).toBe(400);
    expect((await postJson(server, '/api/users/u1/activate', {})).status).toBe(400);

    const { userId } = (await (await register(server, { email: 'b@example.com', name: 'B' })).json()) as { userId: string };
    const { token } = await mailTo(server.dataDir, 'b@example.com');
    expect((await postJson(server, `/api/users/${userId}/activate`, { token })).status).toBe(200);
    expect((await postJson(server, `/api/users/${userId}/activate`, { token })).status).toBe(200);
  });

  it('the activation mail reactor is listed among the projections, and pauses and resumes through their routes', async () => {
    server = await startTestServer();
    const listed = (await (await server.request('/api/projections')).json()) as { projections: Array<Record<string, unknown>> };
    const reactor = listed.projections.find((p) => p.name === 'activation-mail');
    expect(reactor).toMatchObject({ kind: 'reactor', status: 'running', paused: false, circuit: { state: 'closed' } });
    expect(listed.projections.map((p) => p.name)).toEqual(expect.arrayContaining(['stream', 'users', 'posts', 'email-reservations']));

    const paused = await server.request('/api/projections/activation-mail/pause', { method: 'POST' });
    expect(paused.status).toBe(202);
    expect(await paused.json()).toMatchObject({ status: 'halted', paused: true, lastError: expect.stringContaining('paused') });

    const registered = await register(server, { email: 'p@example.com', name: 'P' });
    expect(registered.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readdir(outboxDir(server.dataDir)).catch(() => [])).toEqual([]);

    const resumed = await server.request('/api/projections/activation-mail/resume', { method: 'POST' });
    expect(resumed.status).toBe(202);
    expect(await resumed.json()).toMatchObject({ status: 'running', paused: false });
    await mailTo(server.dataDir, 'p@example.com');

    expect((await server.request('/api/projections/activation-mail/rebuild', { method: 'POST' })).status).toBe(409);
    expect((await server.request('/api/projections/users/pause', { method: 'POST' })).status).toBe(409);
    expect((await server.request('/api/projections/nothing/pause', { method: 'POST' })).status).toBe(404);
  });

  it('with the mailer down and the circuit open, registrations still return 201, and the status shows the open circuit', async () => {
    const sent: Mail[] = [];
    let down = true;
    const mailer: Mailer = {
      kind: 'test',
      send: async (mail) => {
        if (down) throw new MailerUnavailableError('mail service down');
        sent.push(mail);
      },
    };
    server = await startTestServer({}, { modules: (config) => productModules(config, { mailer, breaker: { failureThreshold: 2, openMs: 200 } }) });
    const s = server;
    const statuses = await Promise.all(['c1', 'c2', 'c3'].map((n) => register(s, { email: `${n}@example.com`, name: n }).then((r) => r.status)));
    expect(statuses).toEqual([201, 201, 201]);

    const open = await eventually(async () => {
      const { projections } = (await (await s.request('/api/projections')).json()) as { projections: Array<Record<string, any>> };
      const entry = projections.find((p) => p.name === 'activation-mail')!;
      return entry.circuit.opened > 0 ? entry : undefined;
    });
    expect(open).toMatchObject({ status: 'running', lastError: expect.stringMatching(/mail service down|circuit/) });
    expect((await register(s, { email: 'c4@example.com', name: 'c4' })).status).toBe(201);

    down = false;
    await eventually(async () => (sent.length >= 4 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent.map((m) => m.to).sort()).toEqual(['c1@example.com', 'c2@example.com', 'c3@example.com', 'c4@example.com']);
  });
});
