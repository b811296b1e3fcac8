import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and integration tests that start real tools (moto_server,
// terraform/tofu, git, conftest). Integration tests set generous timeouts and poll rather than sleep.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Real CLIs and emulators: two cores, so run files one at a time to keep timings sane.
          fileParallelism: false,
        },
      },
    ],
  },
});
