import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/cli/duration.ts';

describe('CLI durations', () => {
  it('take ms, s, m and h, decimals too, and give milliseconds', () => {
    const ms = parseDuration('--interval', 'ms');
    expect(['500ms', '5s', '1.5s', '2m', '1h', ' 30s '].map(ms)).toEqual([500, 5_000, 1_500, 120_000, 3_600_000, 30_000]);
  });

  it('read a bare number in the unit the option documents', () => {
    expect(parseDuration('--interval', 'ms')('250')).toBe(250);
    expect(parseDuration('--timeout', 's')('3')).toBe(3_000);
  });

  it.each(['', '5x', '-1s', '1 s', 's', '0', '0.0001s', '30d', '25000h'])('refuse %j with a message naming the option', (text) => {
    expect(() => parseDuration('--timeout', 's')(text)).toThrow(InvalidArgumentError);
    expect(() => parseDuration('--timeout', 's')(text)).toThrow(/^--timeout must be /);
  });

  it('are shown in the largest unit that keeps them short', () => {
    expect([500, 1_000, 1_500, 30_000, 120_000, 90_000, 3_600_000, 1_234].map(formatDuration)).toEqual(['500ms', '1s', '1.5s', '30s', '2m', '1.5m', '1h', '1234ms']);
  });
});
