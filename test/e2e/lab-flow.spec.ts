/**
 * A learner works through the first two steps of terraform-state using only the page and its
 * terminal: Check fails with its message, they type the fix, Check passes, a reload keeps progress.
 * Real sandbox (moto_server), real tofu/terraform, real aws CLI.
 */
import { existsSync } from 'node:fs';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { StartedRunner } from '../../src/runner/runner-server.ts';
import { expect, test } from './fixtures.ts';

const toolchain = path.resolve('.toolchain');
function has(bin: string): boolean {
  const dirs = [
    ...(process.env['PATH'] ?? '').split(path.delimiter),
    path.join(toolchain, 'bin'),
    path.join(toolchain, 'venv', 'bin'),
  ];
  return dirs.some((d) => existsSync(path.join(d, bin)));
}

/** Fails under CI=true, skips elsewhere (recording the missing tools for npm test's summary). */
function requireLabTools(testInfo: import('@playwright/test').TestInfo): void {
  const missing = ['moto_server', 'aws'].filter((b) => !has(b)).concat(has('tofu') || has('terraform') ? [] : ['tofu']);
  if (!missing.length) return;
  if (process.env['CI'] === 'true')
    throw new Error(`CI=true but ${missing.join(', ')} missing: run scripts/toolchain.sh`);
  const file = process.env['DOJO_MISSING_TOOLS_FILE'];
  if (file) for (const m of missing) appendFileSync(file, `${m}\trun scripts/toolchain.sh\n`);
  testInfo.skip(true, `missing ${missing.join(', ')}`);
}

/**
 * Opens the lab page with the launch cookie, waits until the sandbox runs and the terminal has its
 * environment, and returns `run(command, marker)`: type a command, wait for the marker it prints.
 * Each command ends by echoing a marker computed by the shell (e.g. $((40+2))), so the wait is for
 * the command's output, never for the echo of what was typed.
 */
async function openLab(page: Page, runner: StartedRunner) {
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}/labs/terraform-state/`);
  const bench = page.getByRole('complementary', { name: 'Sandbox and terminal' });
  // The sandbox starts while the learner reads; the untouched shell is swapped for one that has its environment.
  await expect(bench.locator('[data-state]').first()).toHaveText(/running/, { timeout: 60_000 });
  const terminal = bench.getByRole('region', { name: 'Terminal' });
  await expect(terminal.locator('[data-status]')).toContainText('sandbox environment loaded', { timeout: 30_000 });
  const screen = terminal.locator('.xterm-rows');
  return async (command: string, expected: RegExp | string, timeout = 60_000) => {
    await terminal.locator('.xterm-screen').click();
    await page.keyboard.type(command);
    await page.keyboard.press('Enter');
    await expect(screen).toContainText(expected, { timeout });
  };
}

test('complete the first two steps of terraform-state in the browser', async ({ page, runner }, testInfo) => {
  test.setTimeout(120_000);
  requireLabTools(testInfo);

  const run = await openLab(page, runner);

  const step1 = page.locator('#step-local-state');
  await step1.getByRole('button', { name: 'Check' }).click();
  await expect(step1.locator('.result')).toContainText(
    'terraform_data.vpc not found in terraform.tfstate (state has no resources)',
  );
  await expect(step1.locator('.badge.status')).toHaveText('not yet');

  await run(
    '$TF init -input=false -no-color >/dev/null && $TF apply -auto-approve -no-color >/dev/null && echo APPLIED-$((40+2))',
    'APPLIED-42',
  );
  await step1.getByRole('button', { name: 'Check' }).click();
  await expect(step1.locator('.result')).toContainText('PASS: every check agrees.');
  await expect(step1.locator('.badge.status')).toHaveText('passed');

  const step2 = page.locator('#step-remote-backend');
  await step2.getByRole('button', { name: 'Check' }).click();
  await expect(step2.locator('.result')).toContainText('bucket s3://dojo-tfstate not found in the emulator');
  await step2.getByRole('button', { name: /Hint/ }).click();
  await expect(step2.locator('.hints li:not([hidden])')).toHaveCount(1);

  await run('clear; aws s3api create-bucket --bucket dojo-tfstate --output text && echo BUCKET-$((40+2))', 'BUCKET-42');
  await run(
    'aws s3api put-bucket-versioning --bucket dojo-tfstate --versioning-configuration Status=Enabled && echo VERSIONING-$((40+2))',
    'VERSIONING-42',
  );
  await run(
    `printf 'terraform {\\n  backend "s3" {\\n    bucket = "dojo-tfstate"\\n    key = "platform/network.tfstate"\\n    region = "us-east-1"\\n    use_path_style = true\\n  }\\n}\\n' > backend.tf && echo BACKEND-$((40+2))`,
    'BACKEND-42',
  );
  await run(
    'clear; $TF init -migrate-state -force-copy -input=false -no-color | grep -q "Successfully configured" && echo MIGRATED-$((40+2))',
    'MIGRATED-42',
  );
  await step2.getByRole('button', { name: 'Check' }).click();
  await expect(step2.locator('.result')).toContainText('PASS: every check agrees.');

  // Progress survives a reload: badges and the revealed hint come back from the runner.
  await page.reload();
  await expect(page.locator('#step-local-state .badge.status')).toHaveText('passed');
  await expect(page.locator('#step-remote-backend .badge.status')).toHaveText('passed');
  await expect(page.locator('#step-remote-backend .hints li:not([hidden])')).toHaveCount(1);
  await expect(page.locator('#step-locking .badge.status')).toHaveText('not started');
});

test('finish the lab from the page: solutions, the staged held lock released in the terminal, recovery', async ({
  page,
  runner,
}, testInfo) => {
  test.setTimeout(180_000);
  requireLabTools(testInfo);
  const type = await openLab(page, runner);
  page.on('dialog', (d) => void d.accept());
  const badge = (step: string) => page.locator(`#step-${step} .badge.status`);

  // Nobody stays stuck: "Apply solution" runs the reference answer and checks the step.
  for (const step of ['local-state', 'remote-backend', 'locking']) {
    await page.locator(`#step-${step}`).getByRole('button', { name: 'Apply solution' }).click();
    await expect(badge(step)).toHaveText('passed', { timeout: 60_000 });
  }

  // The break-it moment: the page stages a real killed apply; the lock is really held.
  const held = page.locator('#step-held-lock');
  await held.getByRole('button', { name: 'Simulate the killed CI apply' }).click();
  // The button comes back when staging is done (a background re-check may replace the "Staged." message).
  await expect(held.getByRole('button', { name: 'Simulate the killed CI apply' })).toBeEnabled({ timeout: 60_000 });
  await held.getByRole('button', { name: 'Check' }).click();
  await expect(held.locator('.result')).toContainText(/state is locked: (lockfile|dynamodb) lock ID/);
  await type(
    'clear; id=$($TF plan -lock-timeout=0s -no-color 2>&1 | sed -n "s/^[│ ]*ID: *//p" | head -1); $TF force-unlock -force "$id" >/dev/null && echo UNLOCKED-$((40+2))',
    'UNLOCKED-42',
  );
  await held.getByRole('button', { name: 'Check' }).click();
  await expect(badge('held-lock')).toHaveText('passed');

  const recover = page.locator('#step-recover-state');
  await recover.getByRole('button', { name: 'Apply the bad hotfix' }).click();
  await expect(recover.getByRole('button', { name: 'Apply the bad hotfix' })).toBeEnabled({ timeout: 60_000 });
  await recover.getByRole('button', { name: 'Check' }).click();
  await expect(recover.locator('.result')).toContainText('terraform_data.vpc input.cidr = "10.40.0.0/16"');
  await recover.getByRole('button', { name: 'Apply solution' }).click();
  await expect(badge('recover-state')).toHaveText('passed', { timeout: 60_000 });

  await type('clear; $TF plan -detailed-exitcode -no-color >/dev/null; echo "EXIT-$?-$((40+2))"', 'EXIT-0-42');
  await page.locator('#step-no-drift').getByRole('button', { name: 'Check' }).click();
  await expect(badge('no-drift')).toHaveText('passed');
});
