import cliProgress from 'cli-progress';
import type { CliContext } from './context.ts';

export interface Progress {
  /** `total` undefined: the end is not known (the count is shown without a bar or ETA). */
  update(value: number, total?: number): void;
  /** Draws the bar full, then stops. */
  complete(): void;
  stop(): void;
}

/** Without a terminal, a plain line this often is enough for a CI log. */
const PLAIN_EVERY_MS = 10_000;

/**
 * A progress bar with ETA on stderr when it is a terminal (stdout stays clean for data); otherwise a
 * plain line now and then, so piped and logged runs still show that they are alive.
 */
export const startProgress = (context: CliContext, label: string, unit: string): Progress => {
  if (!context.interactive) {
    let last = Date.now();
    return {
      update: (value, total) => {
        if (Date.now() - last < PLAIN_EVERY_MS) return;
        last = Date.now();
        const share = total === undefined || total === 0 ? '' : ` (${Math.floor((100 * value) / total)}%)`;
        context.stderr.write(`${label}: ${value}${total === undefined ? '' : `/${total}`} ${unit}${share}\n`);
      },
      complete: () => {},
      stop: () => {},
    };
  }
  const known = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`, stream: context.stderr, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  const unknown = new cliProgress.SingleBar({ format: `${label} {value} ${unit} | {duration_formatted}`, stream: context.stderr, hideCursor: true });
  let active: cliProgress.SingleBar | undefined;
  let last: number | undefined;
  const stop = () => {
    active?.stop();
    active = undefined;
  };
  return {
    update: (value, total) => {
      const bar = total === undefined ? unknown : known;
      if (active !== bar) {
        active?.stop();
        bar.start(total ?? value, value);
        active = bar;
      }
      if (total !== undefined) bar.setTotal(Math.max(total, value));
      // The ETA is the rate of recent updates: a poll that saw no progress would make it infinite.
      if (value !== last) bar.update(value);
      last = value;
    },
    complete: () => {
      if (active === known) known.update(known.getTotal());
      stop();
    },
    stop,
  };
};
