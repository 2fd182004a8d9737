import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from 'eventlog/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketsApp } from '../src/app.ts';
import type { TicketView } from '../src/views.ts';

// The app over HTTP on the in-memory store: commands answer a consistency token, the view is read with
// `atLeast` that token (no sleeping, no polling), and the reactor leaves its mail in the outbox.

interface CommandAnswer {
  aggregateId: string;
  version: number;
  consistencyToken: string;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp(ticketsApp);
});
afterAll(async () => app?.close());

/** Waits (bounded) for the reactor to leave a mail in the outbox that `matches`; answers it, or undefined. */
const mailInOutbox = async (matches: (mail: string) => boolean): Promise<string | undefined> => {
  const dir = join(app.dataDir, 'outbox');
  for (let attempt = 0; attempt < 100; attempt += 1) {
    // Only whole mails: the outbox writes `<id>.eml.tmp` first and renames it.
    const files = (await readdir(dir).catch(() => [])).filter((file) => file.endsWith('.eml'));
    const mails = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
    const found = mails.find(matches);
    if (found !== undefined) return found;
    await sleep(50);
  }
  return undefined;
};

describe('the tickets API', () => {
  it('opens a ticket and shows it in its view at once with atLeast', async () => {
    const open = await app.post<CommandAnswer>('/api/tickets', { title: 'Printer on fire' });
    expect(open.status).toBe(201);
    const view = await app.waitForView<TicketView>('ticket', open.body.aggregateId, open.body.consistencyToken);
    expect(view.data).toMatchObject({ title: 'Printer on fire', status: 'open', resolution: null });
  });

  it('closes a ticket, shows the resolution, and mails the watchers through the outbox', async () => {
    const open = await app.post<CommandAnswer>('/api/tickets', { title: 'Coffee machine empty' });
    const close = await app.post<CommandAnswer>(`/api/tickets/${open.body.aggregateId}/close`, { resolution: 'Refilled' });
    expect(close.status).toBe(200);
    expect(close.body.version).toBe(2);
    const view = await app.waitForView<TicketView>('ticket', open.body.aggregateId, close.body.consistencyToken);
    expect(view.data).toMatchObject({ status: 'closed', resolution: 'Refilled' });
    const mail = await mailInOutbox((text) => text.includes(`Subject: Ticket ${open.body.aggregateId} closed`));
    expect(mail).toContain('Refilled');
  });

  it('answers a problem naming the field for a bad body, and 404 for a ticket that does not exist', async () => {
    const bad = await app.post<{ errors: Array<{ path: string }> }>('/api/tickets', { title: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path)).toContain('body.title');
    const missing = await app.post<{ type: string }>('/api/tickets/nope/close', { resolution: 'x' });
    expect(missing.status).toBe(404);
  });
});
