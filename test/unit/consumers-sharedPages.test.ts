import { describe, expect, it } from 'vitest';
import type { EventEnvelope, ReplayPage, ReplaySource } from '../../src/core/index.ts';
import { SharedPages } from '../../src/consumers/sharedPages.ts';

const PAGE = 10;
const EVENTS = 100;

const event = (position: number): EventEnvelope & { position: number } => ({
  id: `e${position}`,
  streamId: `S-${position % 7}`,
  aggregateType: 'S',
  aggregateId: String(position % 7),
  sequence: position,
  type: 'Happened',
  schemaVersion: 1,
  data: {},
  metadata: {},
  recordedAt: '2025-01-01T00:00:00.000Z',
  region: 'test',
  position,
});

/** A log of EVENTS events read by position, counting the reads that reached it. */
const countingLog = () => {
  const reads: string[] = [];
  const source: ReplaySource = {
    readFrom: async (cursor, limit): Promise<ReplayPage> => {
      reads.push(cursor ?? '0');
      await new Promise((resolve) => setTimeout(resolve, 1));
      const after = Number(cursor ?? 0);
      const events = Array.from({ length: Math.max(0, Math.min(limit, EVENTS - after)) }, (_, i) => event(after + i + 1));
      const position = events.at(-1)?.position ?? after;
      return { events, cursor: String(position), caughtUp: events.length < limit, position };
    },
  };
  return { source, reads };
};

/** A reader that takes pages from `from` to the end, spending `workMs` on each. */
const follow = async (pages: SharedPages, reader: string, workMs: number, from?: string): Promise<number> => {
  let cursor = from;
  let taken = 0;
  for (;;) {
    const page = await pages.readFrom(reader, cursor, PAGE);
    taken += page.events.length;
    if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs));
    if (page.caughtUp) return taken;
    cursor = page.cursor;
  }
};

describe('the pages consumers share', () => {
  it('are read from the log once for readers catching up together, however unequal their speed', async () => {
    const { source, reads } = countingLog();
    const pages = new SharedPages(source);
    for (const reader of ['fast', 'medium', 'slow']) pages.join(reader);
    const taken = await Promise.all([follow(pages, 'fast', 0), follow(pages, 'medium', 2), follow(pages, 'slow', 8)]);
    expect(taken).toEqual([EVENTS, EVENTS, EVENTS]);
    // Each of the ten full pages read once (the page at the head is read afresh by whoever asks later: new events may be there).
    const fullPages = reads.filter((cursor) => Number(cursor) < EVENTS);
    expect(fullPages).toHaveLength(EVENTS / PAGE);
    expect(new Set(fullPages).size).toBe(fullPages.length);
  });

  it('are not waited for by a reader far ahead: a reader that stopped taking pages stalls no one', async () => {
    const { source } = countingLog();
    const pages = new SharedPages(source);
    pages.join('running');
    pages.join('halted');
    // The halted reader takes one page and then nothing: the other still reads to the end, waiting at most about a second for it.
    await pages.readFrom('halted', undefined, PAGE);
    const started = Date.now();
    expect(await follow(pages, 'running', 0)).toBe(EVENTS);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('let a reader behind the kept pages read its own from its checkpoint, while the others go on', async () => {
    const { source, reads } = countingLog();
    const pages = new SharedPages(source);
    pages.join('ahead');
    pages.join('behind');
    await follow(pages, 'ahead', 0, '60');
    // The reader behind starts at another boundary (after a halt): nothing kept fits it, so it reads its pages itself.
    expect(await follow(pages, 'behind', 0, '5')).toBe(EVENTS - 5);
    expect(reads.filter((cursor) => Number(cursor) % PAGE === 5)).toHaveLength(Math.ceil((EVENTS - 5) / PAGE));
  });
});
