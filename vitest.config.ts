import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const publicEntry = (file: string): string => fileURLToPath(new URL(`./${file}`, import.meta.url));

// Two tiers by cost: `unit` holds the pure tests (no files, no sockets, no processes) and runs in
// seconds (`npm run test:unit`); `integration` holds everything that touches files, sockets, child
// processes or a browser. `starter` runs the starter's own tests (examples/starter) against this
// checkout's public entry points, so no install in the starter is needed and a change to the public
// API that breaks the starter fails here. `npm test` runs all three and ends with the summary line CI reads.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summaryReporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Pure tests share one module graph per worker (no isolation): their cost is loading modules, not running.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads', isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/unit/**', 'test/bench/**', 'examples/starter/**'],
        },
      },
      {
        extends: true,
        resolve: {
          alias: [
            { find: /^eventlog$/, replacement: publicEntry('src/public/index.ts') },
            { find: /^eventlog\/(app|testing)$/, replacement: publicEntry('src/public/$1.ts') },
            { find: /^eventlog\/functions$/, replacement: publicEntry('functions/registerApp.ts') },
          ],
        },
        test: { name: 'starter', include: ['examples/starter/test/**/*.test.ts'], exclude: ['**/node_modules/**'] },
      },
    ],
  },
});
