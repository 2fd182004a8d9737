import { describe, expect, it, vi } from 'vitest';
import { runArchiveTimer } from '../../src/app/archiveTimer.ts';
import { loadConfig } from '../../src/config.ts';
import type { ConsumerEntry } from '../../src/core/index.ts';
import type { AppLifecycle } from '../../src/lifecycle/streamLifecycle.ts';

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() });
const lifecycle = () => ({ runPolicy: vi.fn(async () => ({ archived: 2, unchanged: 0, failed: 0, interrupted: false })) }) as unknown as AppLifecycle & { runPolicy: ReturnType<typeof vi.fn> };
const consumers = (statuses: ConsumerEntry['status'][]) => ({ entries: async () => statuses.map((status, i) => ({ name: `p${i}`, status }) as ConsumerEntry) });

describe('the archive timer', () => {
  it('runs the policy of ARCHIVE_POLICY with its time budget', async () => {
    const app = { config: loadConfig({ ARCHIVE_POLICY: 'user:30, post:90' }), lifecycle: lifecycle(), consumers: consumers(['running']) };
    await runArchiveTimer(app as never, logger());
    expect(app.lifecycle.runPolicy).toHaveBeenCalledWith([{ aggregateType: 'user', idleDays: 30 }, { aggregateType: 'post', idleDays: 90 }], 240_000);
  });

  it('does nothing without a policy, and waits while a projection rebuilds in this region', async () => {
    const none = { config: loadConfig({}), lifecycle: lifecycle(), consumers: consumers([]) };
    await runArchiveTimer(none as never, logger());
    expect(none.lifecycle.runPolicy).not.toHaveBeenCalled();
    const busy = { config: loadConfig({ ARCHIVE_POLICY: 'user:30' }), lifecycle: lifecycle(), consumers: consumers(['running', 'rebuilding']) };
    const log = logger();
    await runArchiveTimer(busy as never, log);
    expect(busy.lifecycle.runPolicy).not.toHaveBeenCalled();
    expect(log.info).toHaveBeenCalledWith('archive policy waits: a projection rebuild is under way', { projections: ['p1'] });
  });

  it('a policy that is not <type>:<days> fails at start, naming the variable', () => {
    expect(() => loadConfig({ ARCHIVE_POLICY: 'user=30' })).toThrow(/ARCHIVE_POLICY must be <aggregateType>:<idle days>/);
    expect(() => loadConfig({ ARCHIVE_DIR: '/a', ARCHIVE_CONTAINER_URL: 'https://x.blob.core.windows.net/archive' })).toThrow(/ARCHIVE_DIR and ARCHIVE_CONTAINER_URL are both set/);
  });
});
