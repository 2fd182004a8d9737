import type { GlobalLog, ReplayPage, ReplaySource } from '../core/index.ts';

/** The embedded log as a replay source: the cursor is the global position as decimal text. */
export const globalLogReplay = (log: GlobalLog): ReplaySource => ({
  readFrom: async (cursor, limit): Promise<ReplayPage> => {
    const after = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(after) || after < 0) throw new Error(`replay cursor "${cursor}" is not a global log position`);
    const events = await log.readAll(after, limit);
    const position = events.length === 0 ? after : events[events.length - 1]!.position;
    return { events, cursor: String(position), caughtUp: events.length < limit, position };
  },
});
