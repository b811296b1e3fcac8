/**
 * Issue 12, item 2 in the browser ("Nothing lost"): the sandbox panel says what Stop keeps before
 * it happens and Stop asks first; a pass older than the data the sandbox holds now is re-checked
 * when the page loads (not trusted), and "Rebuild earlier steps" replays what was lost.
 * Real runner, real moto_server, real tofu/terraform and aws CLI (terraform-state).
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { startRunner, type StartedRunner } from '../../src/runner/runner-server.ts';
import { allRoutes } from '../../src/runner/all-routes.ts';
import { createRunnerContext } from '../../src/runner/runner-context.ts';
import { distDir, labsDir } from '../../src/shared/paths.ts';

/** The shared fixture's runner, plus its DOJO_HOME (these tests move the sandbox's data away). */
const test = base.extend<{ dojo: { runner: StartedRunner; home: string } }>({
  // eslint-disable-next-line no-empty-pattern
  dojo: async ({}, use) => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'dojo-e2e-data-'));
    const ctx = createRunnerContext(home, labsDir);
    const runner = await startRunner({ port: 0, distDir, token: 'e2e-token', ...allRoutes(ctx) });
    await use({ runner, home });
    await runner.close();
    ctx.db.close();
    rmSync(home, { recursive: true, force: true });
  },
});

async function openLab(page: Page, runner: StartedRunner) {
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}/labs/terraform-state/`);
  const bench = page.getByRole('complementary', { name: 'Sandbox and terminal' });
  await expect(bench.locator('[data-state]').first()).toHaveText(/running/, { timeout: 60_000 });
  return bench;
}

const api = (runner: StartedRunner, pathname: string, method = 'GET') =>
  fetch(`${runner.origin}${pathname}`, {
    method,
    headers: { Authorization: 'Bearer e2e-token', Origin: runner.origin, 'Content-Type': 'application/json' },
    ...(method === 'GET' ? {} : { body: '{}' }),
  });

test('Stop says what the sandbox keeps, and asks first', async ({ page, dojo }) => {
  test.setTimeout(120_000);
  const bench = await openLab(page, dojo.runner);
  const panel = bench.locator('dojo-sandbox-progress');
  await expect(panel.locator('[data-persistence]')).toContainText('kept across Stop and runner restarts');
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await panel.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toMatch(
    /^Stop the sandbox\? .*kept across Stop and runner restarts.*workspace files are not touched/,
  );
  await expect(panel.locator('[data-state]')).toHaveText('running');
  page.once('dialog', (d) => void d.accept());
  await panel.getByRole('button', { name: 'Stop' }).click();
  await expect(panel.locator('[data-state]')).toHaveText('not started', { timeout: 30_000 });
});

test('an old pass is re-checked when the sandbox lost its data, and Rebuild earlier steps brings it back', async ({
  page,
  dojo,
}) => {
  test.setTimeout(240_000);
  const { runner, home } = dojo;
  const bench = await openLab(page, runner);
  for (const step of ['local-state', 'remote-backend']) {
    const res = await api(runner, `/api/labs/terraform-state/steps/${step}/solve`, 'POST');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { result?: { status: string } }).result?.status).toBe('pass');
  }
  // The sandbox comes back empty, as LocalStack would (moto's kept data moved away).
  expect((await api(runner, '/api/labs/terraform-state/session', 'DELETE')).status).toBe(200);
  const kept = path.join(home, 'sandbox-data', 'terraform-state');
  expect(existsSync(kept)).toBe(true);
  renameSync(kept, `${kept}-gone`);
  await page.reload();
  await expect(bench.locator('[data-state]').first()).toHaveText(/running/, { timeout: 60_000 });
  const step2 = page.locator('#step-remote-backend');
  // Not trusted: checked again, and the page says why it fails now.
  await expect(step2.locator('.badge.status')).toHaveText('not yet', { timeout: 60_000 });
  await expect(step2.locator('.result')).toContainText('started empty');
  const rebuild = step2.getByRole('button', { name: 'Rebuild earlier steps' });
  await expect(rebuild).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await rebuild.click();
  await expect(page.locator('#step-locking .result')).toContainText('Replayed: local-state, remote-backend', {
    timeout: 180_000,
  });
  await step2.getByRole('button', { name: 'Check' }).click();
  await expect(step2.locator('.result')).toContainText('PASS: every check agrees.', { timeout: 60_000 });
});
