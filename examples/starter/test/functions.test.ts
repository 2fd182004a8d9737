import { describe, expect, it, vi } from 'vitest';

// The Functions entry point (src/functions.ts) registers the whole app with the Functions host; here the
// host's `app` object is replaced by a recorder, so the test needs neither Core Tools nor Azure.

const registered = vi.hoisted(() => ({ http: [] as string[], cosmosDB: [] as string[], timer: [] as string[] }));
vi.mock('@azure/functions', () => ({
  app: {
    setup: () => {},
    http: (name: string) => registered.http.push(name),
    cosmosDB: (name: string) => registered.cosmosDB.push(name),
    timer: (name: string) => registered.timer.push(name),
  },
}));

describe('the Functions entry point', () => {
  it('registers both commands, the API, and a change-feed trigger for the view and for the reactor', async () => {
    await import('../src/functions.ts');
    expect(registered.http).toEqual(expect.arrayContaining(['openTicket', 'closeTicket', 'getView', 'health']));
    expect(registered.cosmosDB).toEqual(expect.arrayContaining(['project-tickets', 'react-ticket-closed-mail']));
  });
});
