import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/http.ts';

// The subpaths `./emmett` and `./client` must resolve to compiled JavaScript after `npm run build`:
// build into a scratch copy of the package and import them by name, as an application would.

const root = resolve(import.meta.dirname, '../..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const scratch = tempDir('eventlog-package-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the package subpaths', () => {
  it('./emmett and ./client resolve to the built JavaScript and load', { timeout: 120_000 }, () => {
    // Type errors are the typecheck's business (tsc still emits); this test is about what the build produces.
    spawnSync(bin('tsc'), ['-p', join(root, 'tsconfig.json'), '--outDir', join(scratch, 'dist')], { stdio: 'pipe' });
    copyFileSync(join(root, 'package.json'), join(scratch, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    writeFileSync(
      join(scratch, 'probe.mjs'),
      [
        "const emmett = await import('eventlog/emmett');",
        "const client = await import('eventlog/client');",
        "const { default: pkg } = await import('eventlog/package.json', { with: { type: 'json' } });",
        "const store = emmett.getEventLogEventStore({ url: 'http://127.0.0.1:9', aggregateType: 'Cart' });",
        'console.log(JSON.stringify({ name: pkg.name, methods: Object.keys(store).sort(), client: typeof client.createEventLogClient, error: typeof client.EventLogProblemError }));',
      ].join('\n'),
    );
    const output = execFileSync(bin('node'), ['--disable-warning=ExperimentalWarning', 'probe.mjs'], { cwd: scratch, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      name: 'eventlog',
      methods: ['aggregateStream', 'appendToStream', 'feed', 'readStream', 'streamExists'],
      client: 'function',
      error: 'function',
    });
  });
});
