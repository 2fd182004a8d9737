import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { EventEnvelope } from '../core/index.ts';

/** Writes a line and waits when the consumer is slower (a pipe to `head`, a file on a slow disk). */
export const writeLine = async (stream: Writable, line: string): Promise<void> => {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
};

const metadataNote = (event: EventEnvelope): string => {
  const { correlationId, causationId } = event.metadata;
  const parts = [correlationId === undefined ? '' : `correlation ${correlationId}`, causationId === undefined ? '' : `causation ${causationId}`];
  const note = parts.filter((p) => p !== '').join(', ');
  return note === '' ? '' : `  (${note})`;
};

/** One event in one line for people: sequence, time, type, data, correlation. */
export const prettyEvent = (event: EventEnvelope): string => {
  const version = event.schemaVersion > 1 ? ` v${event.schemaVersion}` : '';
  return `#${event.sequence}  ${event.recordedAt}  ${event.type}${version}  ${JSON.stringify(event.data)}${metadataNote(event)}`;
};

/** Renders rows as left-aligned columns under a header. */
export const table = (header: string[], rows: string[][]): string[] => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
};
