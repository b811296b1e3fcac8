/**
 * A runner per test on a free port with a known token, in the spirit of Starlight's e2e
 * testFactory: the built site is served by the real server, with the real security checks.
 */
import { test as base } from '@playwright/test';
import { startRunner, type StartedRunner } from '../../src/runner/runner-server.ts';
import { coreRoutes } from '../../src/runner/api-routes.ts';
import { distDir, labsDir } from '../../src/shared/paths.ts';

export const test = base.extend<{ runner: StartedRunner }>({
  // Playwright requires the destructuring pattern for fixture dependencies, even when there are none.
  // eslint-disable-next-line no-empty-pattern
  runner: async ({}, use) => {
    const runner = await startRunner({ port: 0, distDir, token: 'e2e-token', routes: coreRoutes(labsDir) });
    await use(runner);
    await runner.close();
  },
});

export { expect } from '@playwright/test';
