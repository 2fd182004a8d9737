import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ApiResponse } from '../api/types.ts';

/**
 * Writes a streamed answer (Server-Sent Events) chunk by chunk as the handler produces it, waiting for
 * the socket to drain so a slow client holds the producer instead of memory. Ends when the body ends or
 * the client goes away; the handler learns of the latter through the request's signal.
 */
export const writeStream = async (response: ServerResponse, result: ApiResponse & { stream: AsyncIterable<string> }, head: boolean): Promise<void> => {
  response.writeHead(result.status, { ...result.headers });
  response.flushHeaders();
  if (head) {
    response.end();
    return;
  }
  const chunks = result.stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (response.destroyed || response.writableEnded) break;
      const next = await chunks.next();
      if (next.done === true) break;
      if (!response.write(next.value)) await Promise.race([once(response, 'drain'), once(response, 'close')]);
    }
  } finally {
    await chunks.return?.();
    if (!response.writableEnded) response.end();
  }
};
