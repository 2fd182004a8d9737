import { InvalidArgumentError, Option } from 'commander';

// Durations on the command line take a unit: `500ms`, `5s`, `2m`, `1h` (decimals allowed: `1.5s`).
// A bare number keeps the unit its option had before units were accepted (milliseconds for
// --interval and --request-timeout, seconds for --timeout), so existing scripts keep working;
// each option's --help says which. Commands receive milliseconds.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** Longest wait a Node timer takes (about 24.8 days). */
const MAX_MS = 2 ** 31 - 1;

const UNIT_NAME: Record<Unit, string> = { ms: 'milliseconds', s: 'seconds', m: 'minutes', h: 'hours' };

/** A duration in milliseconds from `500ms`, `5s`, `2m`, `1h`, or a bare number in `bareUnit`. */
export const parseDuration = (name: string, bareUnit: Unit) => (value: string): number => {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError(`${name} must be a duration such as 500ms, 5s or 2m (got "${value}")`);
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] as Unit | undefined) ?? bareUnit]);
  if (ms < 1) throw new InvalidArgumentError(`${name} must be at least 1ms (got "${value}")`);
  if (ms > MAX_MS) throw new InvalidArgumentError(`${name} must be at most 24 days (got "${value}")`);
  return ms;
};

/** `1500` as `1.5s`, `500` as `500ms`, `120000` as `2m`: how durations are shown in help and messages. */
export const formatDuration = (ms: number): string => {
  for (const unit of ['h', 'm', 's'] as const) if (ms >= UNIT_MS[unit] && ms % (UNIT_MS[unit] / 10) === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
};

/** A duration option: `<duration>` in the usage, its bare-number unit and default in the help. */
export const durationOption = (flags: string, description: string, bareUnit: Unit, defaultMs?: number): Option => {
  const option = new Option(flags, `${description}, e.g. 500ms, 5s, 2m (a bare number is ${UNIT_NAME[bareUnit]})`).argParser(
    parseDuration(flags.split(/[ ,]+/).find((part) => part.startsWith('--'))!, bareUnit),
  );
  return defaultMs === undefined ? option : option.default(defaultMs, formatDuration(defaultMs));
};
