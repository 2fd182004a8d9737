import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { createEventLogClient } from '../../../src/client/index.ts';
import { runWriters, type Contender } from '../measure.ts';
import { keepAliveClient, type LocalHostProcess } from './http.ts';

/** Longest wait for one event to come through the feed before the scenario fails. */
const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * `clients` keep-alive clients, each appending one event (with an id it chose) to its own stream and
 * waiting until a Server-Sent Events client of `GET /api/feed` (the product's client, one connection
 * for all) receives it: the latency is from sending the append to the event's delivery over SSE.
 */
export const appendToFeedDelivered = async (name: string, host: LocalHostProcess, clients: number): Promise<Contender & { close(): void }> => {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const send = keepAliveClient(host.url, agent);
  const waiting = new Map<string, () => void>();
  const stop = new AbortController();
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const following = (async () => {
    for await (const { event } of createEventLogClient({ url: host.url }).feed({ after: 'now', signal: stop.signal, onConnected: () => connected() })) {
      waiting.get(event.id)?.();
      waiting.delete(event.id);
    }
  })();
  await ready;
  const run = randomUUID().slice(0, 8);
  const cycle = async (c: number): Promise<number> => {
    const id = randomUUID();
    const delivered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`event ${id} not delivered over SSE within ${DELIVERY_TIMEOUT_MS} ms`)), DELIVERY_TIMEOUT_MS);
      waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const reply = await send('POST', `/api/streams/Fed/${run}-c${c}/events`, JSON.stringify({ events: [{ id, type: 'Ticked', data: { n: 0 } }] }));
    if (reply.status !== 201) throw new Error(`append answered ${reply.status}: ${reply.body}`);
    await delivered;
    return 1;
  };
  return {
    name,
    round: (durationMs) => runWriters(clients, durationMs, cycle),
    close: () => {
      stop.abort();
      void following;
      agent.destroy();
    },
  };
};
