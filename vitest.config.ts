import { defineConfig } from 'vitest/config';
import { dockerTestsDecision } from './test/docker/docker-tests-switch.ts';

// The third project, `docker`, holds the real LocalStack/kind/Argo CD tests; DOJO_DOCKER_TESTS
// (require | auto | off, README "Docker path") decides whether it runs, and says so in one line.
const docker = dockerTestsDecision();
console.log(docker.line);

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
      ...(docker.enabled
        ? [
            {
              test: {
                name: 'docker',
                include: ['test/docker/**/*.test.ts'],
                environment: 'node',
                testTimeout: 900_000,
                hookTimeout: 900_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
