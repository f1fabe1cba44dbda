import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons are safest in forked processes (vitest docs: "Pools").
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
