/**
 * What a new learner ran into in Chromium (issue 12, items 6 and 7), each reproduced in the real
 * browser against the real runner: underscores clipped at 1x, the terminal as a keyboard trap,
 * the lab page on a 390 px phone, the catalog that said nothing about this machine or progress,
 * a bare 404, an old tab retrying forever after a restart, contrast (axe) and, with the lab's
 * tools, a step completed with the keyboard alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { allRoutes } from '../../src/runner/all-routes.ts';
import { ProgressStore } from '../../src/runner/progress-store.ts';
import { createRunnerContext, type RunnerContext } from '../../src/runner/runner-context.ts';
import { startRunner, type StartedRunner } from '../../src/runner/runner-server.ts';
import { doctorReportSchema } from '../../src/shared/doctor-report.ts';
import { distDir, labsDir } from '../../src/shared/paths.ts';
import { expect, test } from './fixtures.ts';
import { focused, lightPixels, requireLabTools, seriousViolations, tabUntil } from './page-helpers.ts';

const LAB = 'terraform-state';
const LAB_PAGE = `/labs/${LAB}/`;
const STEPS = ['local-state', 'remote-backend', 'locking', 'held-lock', 'recover-state', 'no-drift'];

/** A runner of the test's own (with its context), for tests that seed data or restart it. */
async function ownRunner(options: { token: string; port?: number }): Promise<{
  runner: StartedRunner;
  ctx: RunnerContext;
  close: () => Promise<void>;
}> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'dojo-e2e-own-'));
  const ctx = createRunnerContext(home, labsDir);
  const runner = await startRunner({ port: options.port ?? 0, distDir, token: options.token, ...allRoutes(ctx) });
  return {
    runner,
    ctx,
    close: async () => {
      await runner.close();
      ctx.db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The terminal's region on the lab page, found the way assistive technology finds it. */
function terminalRegion(page: Page) {
  return page.getByRole('complementary', { name: 'Sandbox and terminal' }).getByRole('region', { name: 'Terminal' });
}

/**
 * Opens the lab page with the launch cookie and waits until the terminal is connected to the shell
 * it keeps: the page starts the sandbox, and an untouched shell is swapped for one with its
 * environment when it runs (a machine without the lab's tools keeps the first shell).
 */
async function openLabPage(page: Page, runner: StartedRunner) {
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}${LAB_PAGE}`);
  const sandbox = page.locator('dojo-sandbox-progress');
  await expect(sandbox).toHaveAttribute('data-state', /^(running|failed)$/, { timeout: 60_000 });
  const terminal = terminalRegion(page);
  const ready = (await sandbox.getAttribute('data-state')) === 'running' ? 'sandbox environment loaded' : 'Connected';
  await expect(terminal.locator('[data-status]')).toContainText(ready, { timeout: 30_000 });
  return terminal;
}

test('axe finds no serious violation on the catalog, lab, interview and 404 pages', async ({ page, runner }) => {
  await page.goto(runner.launchUrl);
  // With each lab's status filled in (its badges are part of what axe judges).
  const status = page.locator('[data-lab="terraform-state"] [data-progress]');
  if (await status.count()) await expect(status).toContainText('steps', { timeout: 15_000 });
  expect(await seriousViolations(page), 'catalog').toEqual([]);

  const terminal = await openLabPage(page, runner);
  await terminal.locator('.xterm-screen').click();
  // Scrollback makes xterm's viewport a scrollable region; give it some.
  await page.keyboard.type('seq 1 80');
  await page.keyboard.press('Enter');
  await expect(terminal.locator('.xterm-rows')).toContainText('80');
  // Revealed solutions have lines wider than the column: scrollable regions a keyboard must reach.
  for (const show of await page.getByRole('button', { name: 'Show solution' }).all()) await show.click();
  await expect(page.locator('.solution:not([hidden]) pre')).toHaveCount(STEPS.length);
  expect(await seriousViolations(page), 'lab page').toEqual([]);

  for (const p of ['/interview/', '/interview/how-state-locking-works/', '/authoring/']) {
    await page.goto(`${runner.origin}${p}`);
    expect(await seriousViolations(page), p).toEqual([]);
  }

  const missing = await page.goto(`${runner.origin}/labs/no-such-lab/`);
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.locator('[data-missing-path]')).toHaveText('/labs/no-such-lab/');
  // Styled: the site's stylesheet applies (the theme's background, not the browser's white).
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(15, 20, 25)');
  expect(await seriousViolations(page), '404').toEqual([]);
  await page.getByRole('link', { name: 'All labs' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Labs' })).toBeVisible();
});

test('390 px wide: no page scrolls sideways, and the lab terminal is one tap away, loaded only then', async ({
  page,
  runner,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await page.goto(runner.launchUrl);
  for (const p of ['/', LAB_PAGE, '/interview/', '/interview/how-state-locking-works/', '/authoring/', '/nope']) {
    await page.goto(`${runner.origin}${p}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${p} is ${width} px wide`).toBeLessThanOrEqual(390);
  }

  await page.goto(`${runner.origin}${LAB_PAGE}`);
  await expect(page.locator('[data-step="local-state"] .badge.status')).toHaveText('not started');
  // Before the learner opens it, xterm is neither loaded nor rendered.
  expect(scripts.filter((s) => s.includes('terminal-client'))).toEqual([]);
  await expect(page.locator('dojo-terminal .xterm')).toHaveCount(0);

  const toTerminal = page.getByRole('button', { name: 'Sandbox and terminal' });
  await expect(toTerminal).toBeInViewport();
  await toTerminal.click();
  await expect(toTerminal).toHaveAttribute('aria-pressed', 'true');
  const terminal = terminalRegion(page);
  await expect(terminal.locator('[data-status]')).toContainText('Connected', { timeout: 30_000 });
  expect(scripts.some((s) => s.includes('terminal-client'))).toBe(true);
  // The terminal's screen starts within the first screenful, not 8,000 px down.
  const box = await terminal.locator('.xterm-screen').boundingBox();
  expect(box?.y).toBeLessThan(844);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  await page.getByRole('button', { name: 'Steps' }).click();
  await expect(page.locator('#step-local-state')).toBeVisible();
  await expect(terminal).toBeHidden();
});

test('the terminal shows underscores at 1x pixel density', async ({ browser, runner }) => {
  const context = await browser.newContext({ deviceScaleFactor: 1, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const terminal = await openLabPage(page, runner);
  await terminal.locator('.xterm-screen').click();
  await page.keyboard.type("clear; printf '%s\\n' ______________ terraform_data");
  await page.keyboard.press('Enter');
  const underscores = terminal.locator('.xterm-rows > div', { hasText: /^_{14}\s*$/ });
  await expect(underscores).toHaveCount(1);
  // Before: the row was 16 px high and clipped the glyph, which hangs below the baseline: 0 pixels.
  expect(await lightPixels(page, await underscores.screenshot())).toBeGreaterThan(14 * 4);
  await context.close();
});

test('keyboard: the skip link enters the terminal, Tab completes in the shell, Esc then Tab leaves it', async ({
  page,
  runner,
}) => {
  const terminal = await openLabPage(page, runner);
  const screen = terminal.locator('.xterm-rows');

  // First tab stops: the skip links. The second one puts the focus in the shell.
  await page.keyboard.press('Tab');
  expect((await focused(page)).text).toBe('Skip to the content');
  await page.keyboard.press('Tab');
  expect((await focused(page)).text).toBe('Skip to the terminal');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await focused(page)).xtermInput).toBe(true);

  // Tab belongs to the shell: "ech" + Tab completes to "echo", and the focus stays.
  await page.keyboard.type('ech');
  await page.keyboard.press('Tab');
  await page.keyboard.type('"tab-$((40+2))"');
  await page.keyboard.press('Enter');
  await expect(screen).toContainText('tab-42');
  expect((await focused(page)).xtermInput).toBe(true);

  // Esc still reaches the shell, before the key after it: Esc b is readline's backward-word.
  await page.keyboard.type('echo 42');
  await page.keyboard.press('Escape');
  await page.keyboard.press('b');
  await page.keyboard.type('$((6*7))-');
  await page.keyboard.press('Enter');
  await expect(screen).toContainText('42-42');

  // Esc then Tab leaves: to the link back to the step being worked on.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  const after = await focused(page);
  expect(after.inTerminalScreen).toBe(false);
  expect(after.text).toMatch(/^Back to step 1: Apply with local state$/);

  // Esc then Shift+Tab leaves backwards, to what comes before the terminal.
  await terminal.locator('.xterm-screen').click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  const before = await focused(page);
  expect(before.inTerminalScreen).toBe(false);
  expect(
    await page.evaluate(() => {
      const screenEl = document.querySelector('[data-screen]');
      const active = document.activeElement;
      return Boolean(screenEl && active && screenEl.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_PRECEDING);
    }),
  ).toBe(true);
  // Nothing typed while outside reached the shell, and the shell is still there.
  await terminal.locator('.xterm-screen').click();
  await page.keyboard.type('echo "still-$((40+2))"');
  await page.keyboard.press('Enter');
  await expect(screen).toContainText('still-42');
});

test('a tab left open across a runner restart says what to do and stops retrying', async ({ page, runner }) => {
  const terminal = await openLabPage(page, runner);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  await runner.close();
  // `npm start` again: same address, a new token the old tab's cookie does not carry.
  const restarted = await ownRunner({ token: 'token-after-restart', port: runner.port });
  try {
    const status = terminal.locator('[data-status]');
    await expect(status).toContainText('Not signed in to the runner', { timeout: 30_000 });
    await expect(status).toContainText('Open the URL the runner printed');
    await expect(page.locator('[data-runner-banner]')).toBeVisible();
    await expect(page.locator('[data-runner-reason]')).toContainText('Open the URL the runner printed');
    await expect(page.locator('dojo-sandbox-progress [data-state]')).toHaveText('not signed in');
    // It stopped: no new connection attempt over more than the longest retry interval (10 s).
    const attempts = sockets.length;
    await page.waitForTimeout(11_000);
    expect(sockets.length).toBe(attempts);

    // Following the advice works: the new URL signs the tab in again.
    await page.goto(restarted.runner.launchUrl);
    await page.goto(`${restarted.runner.origin}${LAB_PAGE}`);
    await expect(terminal.locator('[data-status]')).toContainText('Connected', { timeout: 30_000 });
  } finally {
    await restarted.close();
  }
});

test('the catalog says which labs this machine can run and how far the learner got, and marks a lab complete', async ({
  page,
}) => {
  const own = await ownRunner({ token: 'catalog-token' });
  try {
    const store = new ProgressStore(own.ctx.db);
    const pass = (step: string) => store.recordCheck({ lab: LAB, step, status: 'pass', assertions: [], durationMs: 1 });
    pass('local-state');
    pass('remote-backend');

    await page.goto(own.runner.launchUrl);
    const card = page.locator(`.catalog [data-lab="${LAB}"]`);
    await expect(card.locator('[data-progress]')).toHaveText('2 of 6 steps passed.');
    const other = page.locator('.catalog [data-lab="s3-static-site"]');
    await expect(other.locator('[data-progress]')).toHaveText('Not started (5 steps).');

    // Whether a lab runs here is the doctor's verdict, shown on its card.
    const doctor = doctorReportSchema.parse(await (await page.request.get(`${own.runner.origin}/api/doctor`)).json());
    for (const lab of doctor.labs) {
      const runnable = page.locator(`.catalog [data-lab="${lab.id}"] [data-runnable]`);
      if (lab.runnable) await expect(runnable).toHaveText('runs on this machine', { timeout: 30_000 });
      else {
        await expect(runnable).toContainText('cannot run on this machine', { timeout: 30_000 });
        await expect(runnable).toContainText(`Missing: ${lab.missing[0] ?? ''}`);
      }
    }

    for (const step of STEPS.slice(2)) pass(step);
    await page.reload();
    await expect(card.locator('[data-progress]')).toHaveText('complete All 6 steps passed.');
    await expect(card).toHaveAttribute('data-complete', 'true');
    expect(await seriousViolations(page)).toEqual([]);

    await card.getByRole('link').click();
    await expect(page.getByText('Lab complete: every step passed.')).toBeVisible();
    await expect(page.locator('[data-current-step-link]')).toHaveText('Back to the top of the lab');
  } finally {
    await own.close();
  }
});

test('the catalog without a runner token says how to get one', async ({ page, runner }) => {
  await page.goto(`${runner.origin}/`);
  await expect(page.locator(`.catalog [data-lab="${LAB}"] [data-progress]`)).toContainText(
    'Open the URL the runner printed',
  );
});

test('keyboard only: complete the first step of terraform-state, then axe with a passed badge', async ({
  page,
  runner,
}, testInfo) => {
  test.setTimeout(120_000);
  requireLabTools(testInfo);
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}${LAB_PAGE}`);
  const bench = page.getByRole('complementary', { name: 'Sandbox and terminal' });
  await expect(bench.locator('[data-state]').first()).toHaveText(/running/, { timeout: 60_000 });
  const terminal = terminalRegion(page);
  await expect(terminal.locator('[data-status]')).toContainText('sandbox environment loaded', { timeout: 30_000 });

  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  expect((await focused(page)).text).toBe('Skip to the terminal');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await focused(page)).xtermInput).toBe(true);
  await page.keyboard.type(
    '$TF init -input=false -no-color >/dev/null && $TF apply -auto-approve -no-color >/dev/null && echo APPLIED-$((40+2))',
  );
  await page.keyboard.press('Enter');
  await expect(terminal.locator('.xterm-rows')).toContainText('APPLIED-42', { timeout: 60_000 });

  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  expect((await focused(page)).text).toBe('Back to step 1: Apply with local state');
  await page.keyboard.press('Enter');
  await tabUntil(page, (f) => f.step === 'local-state' && f.action === 'check');
  await page.keyboard.press('Enter');
  const step = page.locator('#step-local-state');
  await expect(step.locator('.result')).toContainText('PASS: every check agrees.', { timeout: 30_000 });
  await expect(step.locator('.badge.status')).toHaveText('passed');
  await expect(page.locator('[data-current-step-link]')).toHaveText(
    'Back to step 2: Move state to a versioned S3 bucket',
  );
  expect(await seriousViolations(page)).toEqual([]);
});
