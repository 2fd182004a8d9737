import type { Reporter, TestModule } from 'vitest/node';

/** Prints the plain last line CI reads: `N passed, N failed`. Skips are listed with their reasons above it. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedTests++;
        else skipped++;
      }
      // A file that failed with no failed test (a failing beforeAll skips its tests, an import error
      // leaves none) counts once, so the line never says 0 failed for it.
      failed += failedTests + (module.state() === 'failed' && failedTests === 0 ? 1 : 0);
    }
    if (skipped > 0) process.stdout.write(`${skipped} skipped\n`);
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
}
