import { defineConfig } from 'vitest/config';

// The app's tests: the decider's given/when/then (test/tickets.test.ts) and the API over HTTP on the
// in-memory store (test/http.test.ts).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
