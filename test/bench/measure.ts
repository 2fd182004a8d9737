// Measuring helpers of the benchmark: writers against a deadline, percentiles, and rounds that
// alternate a subject with its baselines so both see the same (shared, noisy) machine.

export interface Sample {
  /** Events written or processed in the round. */
  events: number;
  seconds: number;
  /** Milliseconds per operation (an append, a transaction, a load). */
  latencies: number[];
  /** Operations in the round (appends, transactions, loads). */
  operations: number;
}

export interface Contender {
  name: string;
  /** One measured round of about `durationMs`. */
  round(durationMs: number): Promise<Sample>;
}

export interface Measured {
  name: string;
  samples: Sample[];
  eventsPerSec: number;
  operationsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const percentile = (values: number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export const summarize = (name: string, samples: Sample[]): Measured => {
  const latencies = samples.flatMap((s) => s.latencies);
  return {
    name,
    samples,
    eventsPerSec: median(samples.map((s) => s.events / s.seconds)),
    operationsPerSec: median(samples.map((s) => s.operations / s.seconds)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
};

/**
 * `writers` concurrent loops, each calling `operation` until the deadline; an operation returns the
 * events it wrote. Time is measured until the last operation in flight has finished.
 */
export const runWriters = async (
  writers: number,
  durationMs: number,
  operation: (writer: number) => Promise<number>,
): Promise<Sample> => {
  const latencies: number[] = [];
  let events = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      while (performance.now() < deadline) {
        const begun = performance.now();
        const written = await operation(writer); // not `events += await …`: that reads `events` before awaiting
        events += written;
        latencies.push(performance.now() - begun);
      }
    }),
  );
  return { events, seconds: (performance.now() - start) / 1000, latencies, operations: latencies.length };
};

/** Repeats `operation` until the deadline, one at a time; for loads and single-threaded loops. */
export const runSerially = (durationMs: number, operation: () => Promise<number> | number, minOperations = 1): Promise<Sample> =>
  (async () => {
    const latencies: number[] = [];
    let events = 0;
    const start = performance.now();
    while (performance.now() < start + durationMs || latencies.length < minOperations) {
      const begun = performance.now();
      const done = await operation();
      events += done;
      latencies.push(performance.now() - begun);
    }
    return { events, seconds: (performance.now() - start) / 1000, latencies, operations: latencies.length };
  })();

/**
 * Runs `rounds` rounds; in each, every contender runs once, the order rotating from round to round,
 * so that a subject and its baseline are measured minutes, not hours, apart. The ratio of two
 * contenders is the median of their per-round ratios.
 */
export const interleave = async (contenders: Contender[], rounds: number, durationMs: number): Promise<Map<string, Measured>> => {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length]!;
      samples.get(contender.name)!.push(await contender.round(durationMs));
    }
  return new Map([...samples].map(([name, s]) => [name, summarize(name, s)]));
};

/** Median over rounds of subject / baseline, by `pick` (events or operations per second). */
export const pairedRatio = (subject: Measured, baseline: Measured, pick: 'events' | 'operations' = 'events'): number => {
  const rate = (s: Sample) => (pick === 'events' ? s.events : s.operations) / s.seconds;
  return median(subject.samples.map((s, i) => rate(s) / rate(baseline.samples[i] ?? baseline.samples[0]!)));
};
