import { defineConfig } from 'vitest/config';

// Two tiers by cost: `unit` holds the pure tests (no files, no sockets, no processes) and runs in
// seconds (`npm run test:unit`); `integration` holds everything that touches files, sockets, child
// processes or a browser. `npm test` runs both and ends with the plain summary line CI reads.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summaryReporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/unit/**', 'test/bench/**'],
        },
      },
    ],
  },
});
