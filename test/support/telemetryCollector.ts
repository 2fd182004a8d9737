import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface Received {
  path: string;
  body: string;
}

/**
 * A request listener standing in for an OTLP collector or an Azure Monitor ingestion endpoint: it
 * records every body (gunzipped) and answers as the real one does, so exporters count the export a success.
 */
export const recordExports =
  (received: Received[]) =>
  (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      received.push({ path: request.url ?? '', body: body.toString('latin1') });
      response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' });
      response.end(request.url?.includes('/v2') ? JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }) : '');
    });
  };
