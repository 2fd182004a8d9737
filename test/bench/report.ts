import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** One scenario's figures, as printed (one JSON line each) and tabled. */
export interface Row {
  scenario: string;
  eventsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** The scenario this one is compared with, measured in the same rounds; null for a baseline itself. */
  baseline: string | null;
  /** This scenario's rate / the baseline's rate (median of per-round ratios). */
  ratio: number | null;
  /** Resident memory at the end of the scenario, in MiB: of the host process for HTTP scenarios, else of the benchmark's. */
  rssMb?: number;
  /** Cosmos DB rows: what one operation cost on the test account, and what Microsoft's documentation gives for it. */
  cosmos?: CosmosFigures;
}

export interface CosmosFigures {
  /** Request units per operation, as the test account charged them (mean). */
  requestUnits: number;
  /** Request units per event, where the operation carries events. */
  perEvent: number | null;
  /** The requests of one operation, by what they did ("read + batch"). */
  requests: string;
  /** What Microsoft's documentation gives for the same stored sizes, and how it adds up. */
  documentedRu: number;
  documented: string;
}

export interface Target {
  claim: string;
  measured: string;
  met: boolean;
}

export interface Profile {
  host: string;
  shares: Array<{ category: string; share: number }>;
}

export interface ReportInput {
  quick: boolean;
  rounds: number;
  roundMs: number;
  startedAt: string;
  seconds: number;
  rows: Row[];
  targets: Target[];
  notes: string[];
  profiles: Profile[];
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The printed line: the six fields, then the memory where it was measured; numbers rounded for reading. */
export const jsonLine = (row: Row): string =>
  JSON.stringify({
    scenario: row.scenario,
    eventsPerSec: Math.round(row.eventsPerSec),
    p50Ms: row.p50Ms === null ? null : round(row.p50Ms, 3),
    p99Ms: row.p99Ms === null ? null : round(row.p99Ms, 3),
    baseline: row.baseline,
    ratio: row.ratio === null ? null : round(row.ratio, row.ratio < 0.01 ? 6 : 3),
    ...(row.rssMb === undefined ? {} : { rssMb: Math.round(row.rssMb) }),
    ...(row.cosmos === undefined ? {} : { requestUnits: row.cosmos.requestUnits, requests: row.cosmos.requests, documentedRu: row.cosmos.documentedRu }),
  });

const cell = (value: number | null, digits = 2): string => (value === null ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits }));

/** Request units of the Cosmos DB rows, beside the documented figures; nothing when the group did not run. */
const cosmosSection = (rows: Row[]): string[] => {
  const charged = rows.filter((r) => r.cosmos !== undefined);
  if (charged.length === 0) return [];
  return [
    '## Request units on Cosmos DB (the test account\u2019s model, documented figures beside)',
    '',
    '| scenario | RU (test account) | RU per event | requests | RU (documented) | documented as |',
    '|---|---:|---:|---|---:|---|',
    ...charged.map((r) => `| ${r.scenario} | ${cell(r.cosmos!.requestUnits)} | ${cell(r.cosmos!.perEvent, 3)} | ${r.cosmos!.requests} | ${cell(r.cosmos!.documentedRu)} | ${r.cosmos!.documented} |`),
    '',
  ];
};

export const markdown = (input: ReportInput): string =>
  [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${input.quick ? ' -- --quick' : ''}\` (${input.startedAt}, ${Math.round(input.seconds)} s, Node ${process.versions.node}). ` +
      `Every ratio compares two figures measured in the same run: each scenario ran ${input.rounds} round${input.rounds === 1 ? '' : 's'} of about ${input.roundMs / 1000} s, alternating with its baselines in rotating order, ` +
      'and a ratio is the median of the per-round ratios. Absolute rates depend on the host and what else runs on it, so compare ratios rather than absolute rates across runs.',
    '',
    '| scenario | events/s | p50 ms | p99 ms | baseline | ratio | RSS MiB |',
    '|---|---:|---:|---:|---|---:|---:|',
    ...input.rows.map(
      (r) =>
        `| ${r.scenario} | ${cell(r.eventsPerSec, 0)} | ${cell(r.p50Ms)} | ${cell(r.p99Ms)} | ${r.baseline ?? '–'} | ${r.ratio === null ? '–' : cell(r.ratio, r.ratio < 0.01 ? 5 : 2)} | ${cell(r.rssMb ?? null, 0)} |`,
    ),
    '',
    ...cosmosSection(input.rows),
    '## Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...input.targets.map((t) => `| ${t.claim} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    ...(input.profiles.length === 0
      ? []
      : [
          '## Where the HTTP hosts spend their time',
          '',
          'Busy time (idle excluded) of each host process over the whole run, from `node --cpu-prof`, by where the sampled code lives. Native work is counted with the JavaScript that called it, so the SQLite commit row is the time the event loop waited for COMMIT.',
          '',
          ...input.profiles.flatMap((p) => [
            `**${p.host}**`,
            '',
            '| where | share of busy time |',
            '|---|---:|',
            ...p.shares.map((s) => `| ${s.category} | ${(s.share * 100).toFixed(1)}% |`),
            '',
          ]),
        ]),
    '## How to read it',
    '',
    ...input.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');

/** The sections another tool writes into the same file (`npm run soak -- --report`): kept across benchmark runs. */
export const SOAK_HEADING = '## Soak';

const keptSections = (path: string): string => {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const at = existing.indexOf(`\n${SOAK_HEADING}\n`);
  return at < 0 ? '' : existing.slice(at + 1);
};

export const writeReport = (path: string, input: ReportInput): void => {
  const kept = keptSections(path);
  writeFileSync(path, kept === '' ? markdown(input) : `${markdown(input)}\n${kept}`);
};
