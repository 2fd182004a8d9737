// Server-Sent Events as the feed sends them (https://html.spec.whatwg.org/multipage/server-sent-events.html):
// lines of `field: value`, a blank line ends a message, lines starting with `:` are comments (heartbeats).

export interface SseMessage {
  /** The message's `id` (the feed's cursor after this event); undefined when the message set none. */
  id?: string;
  /** `event:`; `message` when absent, as EventSource reports it. */
  event: string;
  data: string;
}

/** The messages of an SSE body as they arrive; comments and `retry:` lines are read and dropped. */
export async function* parseServerSentEvents(body: AsyncIterable<Uint8Array>): AsyncIterable<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.search(/\r\n|\r|\n/); end >= 0; end = buffer.search(/\r\n|\r|\n/)) {
      // A CR at the end of what came so far may be the first half of a CRLF: wait for the next chunk.
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { ...(id === undefined ? {} : { id }), event: event || 'message', data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  }
}
