/**
 * A runner per test on a free port with a known token, in the spirit of Starlight's e2e
 * testFactory: the built site is served by the real server, with the real security checks.
 */
import { test as base } from '@playwright/test';
import { startRunner, type StartedRunner } from '../../src/runner/runner-server.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allRoutes } from '../../src/runner/all-routes.ts';
import { createRunnerContext } from '../../src/runner/runner-context.ts';
import { distDir, labsDir } from '../../src/shared/paths.ts';

export const test = base.extend<{ runner: StartedRunner }>({
  // Playwright requires the destructuring pattern for fixture dependencies, even when there are none.
  // eslint-disable-next-line no-empty-pattern
  runner: async ({}, use) => {
    // A fresh DOJO_HOME per test: no progress leaks between tests or from the developer's own data.
    const home = mkdtempSync(path.join(os.tmpdir(), 'dojo-e2e-home-'));
    const ctx = createRunnerContext(home, labsDir);
    const runner = await startRunner({ port: 0, distDir, token: 'e2e-token', ...allRoutes(ctx) });
    await use(runner);
    await runner.close();
    ctx.db.close();
    rmSync(home, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
