// Follow-the-sun: which region should write at a given UTC hour. Pure functions only.
import { z } from 'zod';

export const ScheduleEntry = z.strictObject({
  fromHourUtc: z.number().int().min(0).max(23),
  region: z.string().min(1),
});

export const Schedule = z
  .object({
    schedule: z.array(ScheduleEntry).min(1),
  })
  .superRefine((value, ctx) => {
    const hours = new Set<number>();
    for (const entry of value.schedule) {
      if (hours.has(entry.fromHourUtc)) {
        ctx.addIssue({ code: 'custom', message: `hour ${entry.fromHourUtc} appears twice`, path: ['schedule'] });
      }
      hours.add(entry.fromHourUtc);
    }
  });
export type Schedule = z.infer<typeof Schedule>;

export const parseSchedule = (json: unknown): Schedule => {
  const result = Schedule.safeParse(json);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid schedule: ${detail}`);
  }
  return result.data;
};

/**
 * The region whose slot contains `at`'s UTC hour: the entry with the latest fromHourUtc
 * not after that hour; before the first entry of the day, the last entry of the previous
 * day still holds.
 */
export const regionAt = (schedule: Schedule, at: Date): string => {
  const hour = at.getUTCHours();
  const entries = [...schedule.schedule].sort((a, b) => a.fromHourUtc - b.fromHourUtc);
  let chosen = entries[entries.length - 1]!;
  for (const entry of entries) {
    if (entry.fromHourUtc <= hour) chosen = entry;
  }
  return chosen.region;
};
