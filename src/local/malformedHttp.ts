import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '../api/problem.ts';

// Requests Node's HTTP parser refuses before any route sees them (a bad chunk size, two Content-Lengths,
// control characters in the target, an unknown method, a head over the size limit) and expectations it
// cannot meet. Node answers those with a bare status line; the local host answers with the same status
// and a problem document, as every other refusal of the API.

interface Refusal {
  status: number;
  type: string;
  title: string;
}

/** The status Node itself would choose for a parser error (its `socketOnError`), with our problem type. */
const refusalOf = (code: string | undefined): Refusal => {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, type: 'headers-too-large', title: 'Request header fields too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, type: 'payload-too-large', title: 'Request body too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, type: 'request-timeout', title: 'Request timeout' };
    default:
      return { status: 400, type: 'malformed-request', title: 'Malformed HTTP request' };
  }
};

/** What went wrong, in words a client can act on; the parser's reason names the offending part. */
const detailOf = (error: Error & { code?: string; reason?: string }, status: number): string => {
  const reason = error.reason ?? error.message;
  const what = status === 431 ? 'the request head (request line and headers) is over the size limit' : 'the request is not valid HTTP/1.1';
  return `${what}${error.code === undefined ? '' : ` (${error.code}: ${reason})`}`;
};

const rawResponse = (problem: ProblemDetails): string => {
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
};

/** How long a refused connection may take to read its answer before it is cut. */
const CLOSE_AFTER_MS = 2_000;

/**
 * Answers what Node's parser refuses with problem+json (`clientError`), and an `Expect` other than
 * `100-continue` with a 417 problem (`checkExpectation`). Like Node's own handler, it writes only while
 * no response of the connection has started, then closes the connection.
 */
export const answerMalformedRequests = (server: Server): void => {
  // The response in progress on each connection: a refusal must not be spliced into it.
  const current = new WeakMap<Duplex, ServerResponse>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    current.set(request.socket, response);
    response.once('close', () => {
      if (current.get(request.socket) === response) current.delete(request.socket);
    });
  });

  server.on('clientError', (error: Error & { code?: string; reason?: string }, socket: Duplex) => {
    const started = current.get(socket)?.headersSent === true;
    if (error.code === 'ECONNRESET' || !socket.writable || started) {
      socket.destroy();
      return;
    }
    const { status, type, title } = refusalOf(error.code);
    socket.end(rawResponse({ type, title, status, detail: detailOf(error, status) }));
    setTimeout(() => socket.destroy(), CLOSE_AFTER_MS).unref();
  });

  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const problem: ProblemDetails = {
      type: 'expectation-failed',
      title: 'Expectation failed',
      status: 417,
      detail: `the server meets no expectation but 100-continue (got Expect: ${request.headers.expect ?? ''})`,
    };
    const body = JSON.stringify(problem);
    response.writeHead(417, { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  });
};
