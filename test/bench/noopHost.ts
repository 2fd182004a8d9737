// The HTTP ceiling of the machine for the benchmark's clients: a `node:http` server that reads and
// parses each append body and answers 201 with a body of the size the real route sends, doing
// nothing else. The HTTP scenarios are compared with it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { expectedVersion?: number };
    const version = (body.expectedVersion ?? 0) + 1;
    const answer = JSON.stringify({
      streamId: 'Bench-c0', aggregateType: 'Bench', aggregateId: 'c0', firstSequence: version, lastSequence: version, version,
      eventIds: ['01900000-0000-7000-8000-000000000000'], recordedAt: new Date().toISOString(), consistencyToken: 'v1.WyJCZW5jaC1jMCIsMV0',
    });
    response.writeHead(201, { 'content-type': 'application/json; charset=utf-8', etag: `"${version}"` });
    response.end(answer);
  });
});
server.keepAliveTimeout = 65_000; // as the local host (src/local/server.ts), so both keep idle sockets alike
server.headersTimeout = 66_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/api\n`);
});
process.on('SIGINT', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
