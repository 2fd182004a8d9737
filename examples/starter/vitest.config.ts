import { defineConfig } from 'vitest/config';

// The app's tests: the decider's given/when/then (test/tickets.test.ts), the API over HTTP on the
// in-memory store (test/http.test.ts), and the Functions entry point (test/functions.test.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Processed like the app's own code, so the Functions test's stand-in for @azure/functions reaches
    // the package's registrations too (packages in node_modules are otherwise loaded as they are).
    server: { deps: { inline: ['eventlog'] } },
  },
});
