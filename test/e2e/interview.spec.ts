/**
 * Interview practice in Chromium, as a learner uses it: the bank, interview mode with a countdown,
 * feedback, a self-rating that schedules the question, and the question coming back once the
 * (Playwright-controlled) clock passes its due date. Also: keyboard only, axe, recordings through
 * a fake microphone, and the page without a runner or without the token. Every test fails on a
 * Content-Security-Policy violation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import config from '../../playwright.config.ts';
import { serveStatic } from '../../src/runner/static-files.ts';
import { distDir } from '../../src/shared/paths.ts';
import { expect, test } from './fixtures.ts';

const QUESTION = 'how-state-locking-works';
const QUESTION_TITLE =
  'How does Terraform state locking work, and what happens when two people run apply at the same moment?';
const ANSWER = [
  'Before plan and apply, Terraform has to acquire the state lock.',
  'A second run fails with "Error acquiring the state lock" and prints the lock info.',
  'We did not use a lock table; on S3 I set use_lockfile, so a .tflock object is created with a conditional write.',
].join(' ');
const T0 = new Date('2026-03-02T09:00:00Z');
// The first feedback of a page loads the feedback chunk and its language model (3.8 MB, which the
// runner compresses on its first request): on a busy two-core machine that can take several seconds.
const FIRST_FEEDBACK = { timeout: 30_000 };
const DAY = 24 * 60 * 60 * 1000;

// A fake microphone (Chromium's test device) that needs no permission prompt, for the recording test.
test.use({
  launchOptions: {
    ...config.use?.launchOptions,
    args: [
      ...(config.use?.launchOptions?.args ?? []),
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
    ],
  },
});

/** Collects CSP violations (Chromium reports each one on the console) for the test to assert on. */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  return violations;
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('interview mode: countdown, feedback, rating, and the question is due again after the clock moves', async ({
  page,
  runner,
}) => {
  const csp = watchCsp(page);
  await page.clock.install({ time: T0 });
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}/interview/?topic=locking`);
  await expect(page.getByRole('heading', { level: 1, name: 'Interview practice' })).toBeVisible();
  await expect(page.getByText('Progress is saved.')).toBeVisible();
  await expect(page.getByText(/^Showing \d+ of 56 questions\. 0 due for review\.$/)).toBeVisible();
  await page.getByRole('link', { name: QUESTION_TITLE }).click();
  await expect(page).toHaveURL(`${runner.origin}/interview/${QUESTION}/`);

  await page.getByLabel('Interview: a countdown and no aids').check();
  await expect(page.getByRole('heading', { name: 'Hints' })).toBeHidden();
  await expect(page.getByLabel('Time limit in interview mode')).toHaveValue('180');
  await page.clock.pauseAt(T0.getTime() + 60_000);
  await page.getByRole('button', { name: 'Start answering' }).click();
  const timer = page.getByRole('timer');
  await expect(timer).toHaveText('3:00');
  await expect(page.getByLabel('Write your answer')).toBeFocused();
  await page.getByLabel('Write your answer').fill(ANSWER);
  await page.clock.runFor(30_000);
  await expect(timer).toHaveText('2:30');
  await page.getByRole('button', { name: 'Submit answer' }).click();

  const feedback = page.getByRole('region', { name: 'Feedback' });
  await expect(page.getByRole('heading', { name: 'Feedback' })).toBeFocused(FIRST_FEEDBACK);
  await expect(feedback.getByText('You hit 2 of 6 talking points.')).toBeVisible();
  await expect(feedback.locator('[data-point="lock-error"]')).toHaveAttribute('data-status', 'hit');
  // Each verdict explains itself in one line.
  await expect(feedback.locator('[data-point="s3-lockfile"]')).toContainText(
    'Counted: “use_lockfile” matches “use_lockfile” in a sentence that states it.',
  );
  // "We did not use a lock table" names the lock table but does not count for it.
  await expect(feedback.locator('[data-point="dynamodb"]')).toHaveAttribute('data-status', 'negated');
  await expect(feedback.locator('[data-point="dynamodb"]')).toContainText(
    'Not counted: “lock table” is denied by “not” in the same clause.',
  );
  // "has to acquire the state lock" names the lock without saying which operations take it.
  await expect(feedback.locator('[data-point="which-ops"]')).toHaveAttribute('data-status', 'partial');
  await expect(feedback.locator('[data-point="which-ops"]')).toContainText('Partly: you named “state lock”');
  await expect(feedback.locator('[data-point="never-lock-false"]')).toHaveAttribute('data-status', 'missed');
  await expect(feedback.locator('[data-point="lock-timeout"]')).toContainText(
    'Not found: A lock timeout makes the second run wait and retry instead of failing at once.',
  );
  await expect(feedback.locator('mark.hit', { hasText: 'use_lockfile' })).toBeVisible();
  await expect(feedback.locator('[data-highlighted] mark.negated')).toHaveText(['lock table']);
  await expect(feedback.getByText('Saved to the runner, on this machine.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Hints' })).toBeVisible();

  await feedback.getByRole('button', { name: /^Good/ }).click();
  await expect(
    feedback.getByText(/^Rated “good”\. Next review in 3 days \(.+\)\. Saved to the runner\.$/),
  ).toBeVisible();
  await expect(page.locator('[data-history-list] li')).toHaveCount(1);
  await expect(page.locator('[data-history-list] li')).toContainText(
    'interview mode (3:00 limit) · typed · 2 of 6 talking points · took 0:30 · rated good',
  );

  // Not due yet: the due list is empty.
  await page.goto(`${runner.origin}/interview/?show=due`);
  await expect(page.getByText('Showing 0 of 56 questions. 0 due for review.')).toBeVisible();
  await expect(page.getByText('No question matches these filters.')).toBeVisible();

  // Four days later it is due again, and the bank offers it first.
  await page.clock.pauseAt(T0.getTime() + 4 * DAY);
  await page.reload();
  await expect(page.getByText('Showing 1 of 56 questions. 1 due for review.')).toBeVisible();
  const item = page.locator(`li[data-question="${QUESTION}"]`);
  await expect(item).toBeVisible();
  await expect(item).toContainText('Due for review now');
  await page.getByRole('link', { name: 'Practise the next due question' }).click();
  await expect(page).toHaveURL(`${runner.origin}/interview/${QUESTION}/`);

  // Answering and rating it again moves it out of the due list.
  await page.getByRole('button', { name: 'Start answering' }).click();
  await page.getByLabel('Write your answer').fill(`${ANSWER} In CI I pass -lock-timeout=10m.`);
  await page.getByRole('button', { name: 'Submit answer' }).click();
  await expect(page.getByText('Saved to the runner, on this machine.')).toBeVisible();
  await page.getByRole('button', { name: /^Good/ }).click();
  await expect(page.getByText(/^Rated “good”\. Next review in \d+ days/)).toBeVisible();
  await page.goto(`${runner.origin}/interview/?show=due`);
  await expect(page.getByText('Showing 0 of 56 questions. 0 due for review.')).toBeVisible();
  expect(csp).toEqual([]);
});

test('interview mode submits by itself when the time runs out, after a one-minute warning', async ({
  page,
  runner,
}) => {
  const csp = watchCsp(page);
  await page.clock.install({ time: T0 });
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}/interview/held-lock-blocking-release/`);
  await page.getByLabel('Interview: a countdown and no aids').check();
  await page.getByLabel('Time limit in interview mode').selectOption('120');
  await page.clock.pauseAt(T0.getTime() + 60_000);
  await page.getByRole('button', { name: 'Start answering' }).click();
  await page
    .getByLabel('Write your answer')
    .fill(
      'Situation: on a Friday our release pipeline failed with a stuck state lock. I was on call, so I had to unblock it.',
    );
  await page.clock.runFor(61_000);
  await expect(page.locator('[data-announcer]')).toHaveText('One minute left.');
  await expect(page.getByRole('timer')).toHaveText('0:59');
  await page.clock.runFor(60_000);
  await expect(page.locator('[data-announcer]')).toHaveText('Time is up. Your answer was submitted.');
  const feedback = page.getByRole('region', { name: 'Feedback' });
  await expect(feedback).toBeVisible(FIRST_FEEDBACK);
  // A behavioural question gets the STAR check.
  await expect(feedback.getByText('✓ Situation:')).toBeVisible();
  await expect(feedback.getByText('✓ Task:')).toBeVisible();
  await expect(feedback.getByText('✗ Action: not found')).toBeVisible();
  await expect(feedback.getByText('✗ Result: not found')).toBeVisible();
  await expect(feedback.getByText('Saved to the runner, on this machine.')).toBeVisible();
  expect(csp).toEqual([]);
});

test('keyboard only: choose, answer, submit and rate without a mouse; axe finds no serious violations', async ({
  page,
  runner,
}) => {
  const csp = watchCsp(page);
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}/interview/`);
  await expect(page.getByText('Progress is saved.')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  /** Presses Tab until the focused element has this accessible name (or gives up after 60). */
  async function tabTo(name: RegExp): Promise<void> {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        const labelled = el.getAttribute('aria-labelledby');
        const byId = labelled ? document.getElementById(labelled)?.textContent : null;
        const label = 'labels' in el ? (el as HTMLInputElement).labels?.[0]?.textContent : null;
        return (byId ?? label ?? el.textContent ?? '').trim();
      });
      if (name.test(focused)) return;
    }
    throw new Error(`Tab never reached an element named ${name}`);
  }

  await tabTo(/^Level$/);
  await page.keyboard.press('ArrowDown'); // junior
  await page.keyboard.press('ArrowDown'); // mid
  await expect(page).toHaveURL(/level=mid/);
  await tabTo(/^How does Terraform state locking work/);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${runner.origin}/interview/${QUESTION}/`);
  await expect(page.locator('[data-practice][data-ready="true"]')).toBeAttached();

  await tabTo(/^Practice: hints/);
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel('Interview: a countdown and no aids')).toBeChecked();
  await tabTo(/^Start answering$/);
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Write your answer')).toBeFocused();
  await page.keyboard.type('Terraform has to acquire the lock before plan and apply; -lock-timeout makes it wait.');
  await tabTo(/^Submit answer$/);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Feedback' })).toBeFocused(FIRST_FEEDBACK);
  await expect(page.getByText('You hit 2 of 6 talking points.')).toBeVisible();
  await tabTo(/^Hard/);
  await page.keyboard.press('Enter');
  await expect(page.getByText(/^Rated “hard”\./)).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  expect(csp).toEqual([]);
});

test.describe('recording an answer', () => {
  test('records, plays back, stores through the runner, and deletes the recording', async ({ page, runner }) => {
    const csp = watchCsp(page);
    await page.goto(runner.launchUrl);
    await page.goto(`${runner.origin}/interview/${QUESTION}/`);
    await expect(page.locator('[data-practice][data-ready="true"]')).toBeAttached();
    await page.getByLabel('Recording yourself (the audio stays on this machine)').check();
    await page.getByRole('button', { name: 'Start answering' }).click();
    await expect(page.getByText('Recording… speak your answer, then press Stop recording.')).toBeVisible();
    // Real audio from the fake device; on a busy machine the stop click may land a few seconds later.
    await page.waitForTimeout(1500);
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await expect(page.getByText(/^Recorded 0:0[1-5]\./)).toBeVisible();
    const playback = page.locator('[data-playback]');
    await expect(playback).toBeVisible();
    expect(await playback.getAttribute('src')).toMatch(/^blob:/);
    await page
      .getByLabel('Notes or transcript (optional)')
      .fill('I set use_lockfile, so Terraform writes a .tflock object.');
    await page.getByRole('button', { name: 'Submit answer' }).click();

    const feedback = page.getByRole('region', { name: 'Feedback' });
    await expect(feedback.getByText(/^Recording: 0:0[1-5]\./)).toBeVisible(FIRST_FEEDBACK);
    await expect(feedback.locator('[data-point="s3-lockfile"]')).toHaveAttribute('data-status', 'hit');
    await expect(feedback.getByText('Saved to the runner, on this machine.')).toBeVisible();

    const item = page.locator('[data-history-list] li').first();
    await expect(item).toContainText('recorded');
    const audio = item.locator('audio');
    await expect(audio).toBeVisible();
    const url = await audio.getAttribute('src');
    expect(url).toMatch(/^\/api\/interview\/attempts\/[0-9a-f-]{36}\/recording$/);
    const served = await page.evaluate(async (u) => {
      const r = await fetch(u!);
      const bytes = new Uint8Array(await r.arrayBuffer());
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        size: bytes.length,
        head: [...bytes.slice(0, 4)],
      };
    }, url);
    expect(served).toMatchObject({ status: 200, type: 'audio/webm', head: [0x1a, 0x45, 0xdf, 0xa3] });
    expect(served.size).toBeGreaterThan(1000);

    page.once('dialog', (dialog) => void dialog.accept());
    await item.getByRole('button', { name: 'Delete recording' }).click();
    await expect(page.getByText('Recording deleted.')).toBeVisible();
    await expect(page.locator('[data-history-list] li').first().locator('audio')).toHaveCount(0);
    expect(await page.evaluate(async (u) => (await fetch(u!)).status, url)).toBe(404);
    expect(csp).toEqual([]);
  });
});

test('without the token the page says progress is not saved and how to fix it', async ({ page, runner }) => {
  const csp = watchCsp(page);
  await page.goto(`${runner.origin}/interview/`);
  await expect(
    page.getByText('Progress is not being saved: this browser has not been given the runner’s token.'),
  ).toBeVisible();
  await expect(page.getByText(/Open the URL that "npm start" printed \(it ends in \?token=…\)/)).toBeVisible();
  expect(csp).toEqual([]);
});

test('on the static site alone the bank works, says nothing is saved, and keeps the schedule in localStorage', async ({
  page,
}) => {
  // Any static server: here the runner's own file server without the runner's API.
  const server = http.createServer((req, res) => {
    void serveStatic(distDir, req, res).then((served) => {
      if (!served) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('Not found');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await page.clock.install({ time: T0 });
    await page.goto(`${origin}/interview/?kind=behavioural`);
    await expect(page.getByText('Progress is not being saved: the runner is not running.')).toBeVisible();
    await expect(page.getByText(/run "npm start" in the GitOps Dojo folder/)).toBeVisible();
    await expect(page.getByText(/kept in this browser only \(localStorage\)/)).toBeVisible();
    await expect(page.getByText(/^Showing 10 of 56 questions\./)).toBeVisible();

    await page.goto(`${origin}/interview/${QUESTION}/`);
    await expect(
      page.getByText('Attempts are kept by the runner; start it with "npm start" to keep a history.'),
    ).toBeVisible();
    await page.getByRole('button', { name: 'Start answering' }).click();
    await page.getByLabel('Write your answer').fill(ANSWER);
    await page.getByRole('button', { name: 'Submit answer' }).click();
    await expect(page.getByText(/^This answer is not saved: the runner is not running/)).toBeVisible();
    await page.getByRole('button', { name: /^Again/ }).click();
    await expect(
      page.getByText(/^Rated “again”\. Next review tomorrow \(.+\)\. Kept in this browser only \(localStorage\)\.$/),
    ).toBeVisible();

    await page.clock.pauseAt(T0.getTime() + 2 * DAY);
    await page.goto(`${origin}/interview/?show=due`);
    await expect(page.locator(`li[data-question="${QUESTION}"]`)).toContainText('Due for review now');
    await expect(page.getByText('Showing 1 of 56 questions. 1 due for review.')).toBeVisible();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('an incident drill opens the lab at the step that reproduces the story', async ({ page, runner }) => {
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}/interview/?show=drill`);
  await expect(page.locator('li[data-question="held-lock-blocking-release"]')).toBeVisible();
  await page.goto(`${runner.origin}/interview/held-lock-blocking-release/`);
  const drill = page.getByRole('region', { name: 'Incident drill' });
  await drill.getByRole('link', { name: /^Open the drill:/ }).click();
  await expect(page).toHaveURL(`${runner.origin}/labs/terraform-state/#step-held-lock`);
  await expect(page.locator('#step-held-lock')).toBeVisible();
});
