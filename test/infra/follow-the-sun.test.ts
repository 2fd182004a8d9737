import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseSchedule, regionAt } from '../../infra/scripts/src/schedule.ts';
import { main } from '../../infra/scripts/src/follow-the-sun.ts';
import { UsageError } from '../../infra/scripts/src/cli.ts';
import { staticToken } from '../../infra/scripts/src/arm.ts';
import { FakeArm } from './fakeArm.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const at = (iso: string) => new Date(iso);

describe('follow-the-sun schedule (pure)', () => {
  const schedule = parseSchedule({
    schedule: [
      { fromHourUtc: 22, region: 'eastasia' },
      { fromHourUtc: 6, region: 'westeurope' },
      { fromHourUtc: 14, region: 'eastus' },
    ],
  });

  it('picks the entry whose slot holds the UTC hour, in any listing order', () => {
    expect(regionAt(schedule, at('2026-03-01T06:00:00Z'))).toBe('westeurope');
    expect(regionAt(schedule, at('2026-03-01T13:59:59Z'))).toBe('westeurope');
    expect(regionAt(schedule, at('2026-03-01T14:00:00Z'))).toBe('eastus');
    expect(regionAt(schedule, at('2026-03-01T22:30:00Z'))).toBe('eastasia');
  });

  it('wraps past midnight: before the first slot, the last one still holds', () => {
    expect(regionAt(schedule, at('2026-03-01T00:00:00Z'))).toBe('eastasia');
    expect(regionAt(schedule, at('2026-03-01T05:59:00Z'))).toBe('eastasia');
  });

  it('uses UTC, not the local offset of the time given', () => {
    expect(regionAt(schedule, at('2026-03-01T07:00:00+09:00'))).toBe('eastasia');
  });

  it('a single entry holds all day', () => {
    const one = parseSchedule({ schedule: [{ fromHourUtc: 12, region: 'northeurope' }] });
    for (let h = 0; h < 24; h++) expect(regionAt(one, at(`2026-03-01T${String(h).padStart(2, '0')}:00:00Z`))).toBe('northeurope');
  });

  it('rejects empty schedules, bad hours and duplicate hours', () => {
    expect(() => parseSchedule({ schedule: [] })).toThrow(/invalid schedule/);
    expect(() => parseSchedule({ schedule: [{ fromHourUtc: 24, region: 'x' }] })).toThrow(/invalid schedule/);
    expect(() => parseSchedule({ schedule: [{ fromHourUtc: 1.5, region: 'x' }] })).toThrow(/invalid schedule/);
    expect(() =>
      parseSchedule({ schedule: [{ fromHourUtc: 3, region: 'x' }, { fromHourUtc: 3, region: 'y' }] }),
    ).toThrow(/hour 3 appears twice/);
  });

  it('the shipped schedule parses and names only regions of the parameter file', async () => {
    const shipped = parseSchedule(JSON.parse(await readFile(join(ROOT, 'infra/follow-the-sun.json'), 'utf8')));
    const params = JSON.parse(await readFile(join(ROOT, 'infra/main.parameters.json'), 'utf8'));
    const regions = params.parameters.locations.value.map((l: { locationName: string }) => l.locationName);
    for (const entry of shipped.schedule) expect(regions).toContain(entry.region);
  });
});

describe('follow-the-sun run against a loopback ARM', () => {
  let fake: FakeArm;
  afterEach(async () => fake?.stop());

  const deps = () => ({
    env: { ARM_ENDPOINT: fake.endpoint, AZURE_SUBSCRIPTION_ID: 'sub-1', AZURE_RESOURCE_GROUP: 'rg-eventlog', COSMOS_ACCOUNT_NAME: 'cosmos-eventlog-abc' },
    credential: staticToken('t'),
    log: () => {},
    sleep: async () => {},
    pollIntervalMs: 1,
  });

  it('moves the writes to the scheduled region at 20:00 UTC, and does nothing at 07:00', async () => {
    fake = new FakeArm();
    await fake.start();
    await main(['--at', '2026-03-01T07:00:00Z', '--no-parameters'], deps());
    expect(fake.calls()).toEqual(['GET /']);

    await main(['--at', '2026-03-01T20:00:00Z', '--no-parameters'], deps());
    expect(fake.writeRegion()).toBe('northeurope');
    expect(fake.calls().filter((c) => c === 'POST /failoverPriorityChange')).toHaveLength(1);
  });

  it('refuses a bad --at without calling ARM', async () => {
    fake = new FakeArm();
    await fake.start();
    await expect(main(['--at', 'yesterday-ish', '--no-parameters'], deps())).rejects.toBeInstanceOf(UsageError);
    expect(fake.requests).toHaveLength(0);
  });
});
