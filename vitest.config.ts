import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers and databases: give them room, and run files
    // in separate forks so one suite's server cannot leak into another's.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/plainSummaryReporter.ts'],
  },
});
