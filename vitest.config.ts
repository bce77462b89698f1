// Test runner config: one real PostgreSQL for the whole run (see test/support/global-setup.ts),
// a fresh database per test file.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Timeouts only stop a hung test; no test asserts how fast anything runs. They are generous because
    // the suite must pass on a busy 2-core machine, where a CLI takes seconds just to start; tests that
    // run many CLIs or big tables set their own, longer ones.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
