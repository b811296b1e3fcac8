/**
 * The multi-env GitOps lab in Chromium on the process provider (issue 10): the page states the
 * budget before the sandbox starts; the first five steps are applied from the page (Terraform
 * makes dev, staging and prod, Argo CD gets them, the ApplicationSet delivers to all three); then
 * the promotion and the drift drill are typed in the page's terminal: 6.7.1 committed to dev,
 * staging and prod in turn (prod synced by hand with the argocd CLI), and a `kubectl scale` and
 * a `kubectl set image` in staging undone by Argo CD. Each step's Check passes, and the live
 * Argo CD panel shows the three environments side by side (dev, staging, prod) with their images.
 */
import type { Locator, Page } from '@playwright/test';
import { processProviderProblem } from '../../src/sandbox/process-binaries.ts';
import { which } from '../../src/sandbox/which.ts';
import { expect, test } from './fixtures.ts';

let marker = 0;
/**
 * Types a command in the terminal (focused first: a Check click moves the focus) and waits for its
 * own end marker, computed by the shell so the typed line itself never matches.
 */
async function run(page: Page, screen: Locator, command: string, timeout = 60_000): Promise<void> {
  marker += 1;
  const n = 1000 + marker;
  // The rows are covered by xterm's screen layer, which takes the click and focuses the input.
  await screen.locator('xpath=..').click();
  await page.keyboard.type(`${command}; echo DONE-$((${n}+1))`);
  await page.keyboard.press('Enter');
  await expect(screen).toContainText(`DONE-${n + 1}`, { timeout });
}

async function checkPasses(page: Page, step: string, timeout = 120_000): Promise<void> {
  const section = page.locator(`#step-${step}`);
  await expect(async () => {
    await section.getByRole('button', { name: 'Check' }).click();
    await expect(section.locator('.badge.status')).toHaveText('passed', { timeout: 10_000 });
  }).toPass({ timeout });
}

test('multi-env GitOps: promotion by commit and the drift drill through the page terminal, three environments side by side', async ({
  page,
  runner,
}, testInfo) => {
  test.setTimeout(600_000);
  const missing =
    processProviderProblem() ??
    (['tofu', 'terraform'].some((t) => which(t)) ? null : 'neither tofu nor terraform is installed') ??
    (which('kubeconform') ? null : 'kubeconform is not installed');
  if (missing) {
    if (process.env['CI'] === 'true') throw new Error(`CI=true but this lab cannot run: ${missing}`);
    testInfo.skip(true, missing);
  }
  await page.goto(runner.launchUrl);
  await page.goto(`${runner.origin}/labs/multi-env-gitops/`);
  // The budget is stated before anything starts.
  const meta = page.locator('.meta');
  await expect(meta).toContainText('3072 MiB RAM');
  await expect(meta).toContainText('sandbox ready in ~30 s');
  await expect(page.locator('article.lab')).toContainText('Budget, before you start.');

  const bench = page.getByRole('complementary', { name: 'Sandbox and terminal' });
  const sandbox = page.locator('dojo-sandbox-progress');
  await expect(sandbox).toHaveAttribute('data-state', 'running', { timeout: 240_000 });
  await expect(sandbox).toContainText(/Provider: process/);

  // Steps 1 to 5 from the page: Apply solution, then the step reads passed.
  for (const step of ['provision-clusters', 'register-clusters', 'projects', 'overlays', 'applicationset']) {
    const section = page.locator(`#step-${step}`);
    page.once('dialog', (d) => void d.accept());
    await section.getByRole('button', { name: /Apply solution/ }).click();
    await expect(section.locator('.badge.status')).toHaveText('passed', { timeout: 240_000 });
  }

  // The live panel lays the ApplicationSet's three Applications side by side, in promotion order.
  const panel = page.locator('dojo-argocd-view');
  const columns = panel.locator('[data-application-set="payments-api"] [data-app]');
  await expect(columns).toHaveCount(3, { timeout: 30_000 });
  await expect(columns.nth(0)).toHaveAttribute('data-app', 'payments-api-dev');
  await expect(columns.nth(1)).toHaveAttribute('data-app', 'payments-api-staging');
  await expect(columns.nth(2)).toHaveAttribute('data-app', 'payments-api-prod');
  const column = (env: string) => panel.locator(`[data-app="payments-api-${env}"]`);
  const image = (env: string) => column(env).locator('[data-fact="images"]');
  for (const env of ['dev', 'staging', 'prod']) {
    await expect(image(env)).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.0', { timeout: 30_000 });
    await expect(column(env)).toContainText('Synced');
    await expect(column(env)).toContainText('Healthy');
  }

  const terminal = bench.getByRole('region', { name: 'Terminal' });
  await expect(terminal.locator('[data-status]')).toContainText('sandbox environment loaded', { timeout: 60_000 });
  const screen = terminal.locator('.xterm-rows');
  await terminal.locator('.xterm-screen').click();
  // The sandbox's tools in the terminal: git sees the Terraform and Argo CD commits of the steps.
  await run(page, screen, 'git pull -q origin main && kubectl config get-contexts -o name | tr "\\n" " "');
  await expect(screen).toContainText('dev mgmt prod staging');

  // Promotion by commit, typed: dev first; staging and prod keep 6.7.0.
  const promote = (env: string) =>
    `sed -i 's/newTag: .*/newTag: 6.7.1/' apps/payments-api/overlays/${env}/kustomization.yaml && git commit -qam "Promote payments-api 6.7.1 to ${env}" && git push -q origin main`;
  await run(page, screen, promote('dev'));
  await expect(image('dev')).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.1', { timeout: 60_000 });
  await expect(image('staging')).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.0');
  await expect(image('prod')).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.0');
  // Staging and prod are Synced at the new commit but still run what they deployed before.
  await expect(column('prod').locator('[data-fact="deployed"]')).toContainText('its last sync');
  await checkPasses(page, 'promote-dev');

  await run(page, screen, promote('staging'));
  await expect(image('staging')).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.1', { timeout: 60_000 });
  await checkPasses(page, 'promote-staging');

  // Prod: the commit makes it OutOfSync and nothing happens until a person syncs it.
  await run(page, screen, promote('prod'));
  await expect(column('prod')).toContainText('OutOfSync', { timeout: 60_000 });
  await expect(image('prod')).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.0');
  await run(page, screen, 'argocd app sync payments-api-prod --timeout 120 > /dev/null', 180_000);
  await expect(image('prod')).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.1', { timeout: 60_000 });
  await expect(column('prod').locator('.av-op')).toHaveAttribute('data-initiated-by', 'admin');
  await checkPasses(page, 'promote-prod');

  // The drift drill, typed: both changes are undone by Argo CD within seconds.
  await run(page, screen, 'kubectl --context staging -n payments-staging scale deployment payments-api --replicas=5');
  await run(
    page,
    screen,
    'for i in $(seq 60); do [ "$(kubectl --context staging -n payments-staging get deploy payments-api -o jsonpath={.spec.replicas})" = 2 ] && break; sleep 0.5; done; echo REPLICAS-BACK',
    90_000,
  );
  await expect(screen).toContainText('REPLICAS-BACK');
  await run(
    page,
    screen,
    'kubectl --context staging -n payments-staging set image deployment/payments-api api=ghcr.io/stefanprodan/podinfo:6.8.0',
  );
  await expect(image('staging')).toHaveText('ghcr.io/stefanprodan/podinfo:6.7.1', { timeout: 90_000 });
  await expect(column('staging').locator('.av-op')).toHaveAttribute('data-initiated-by', 'automated');
  await checkPasses(page, 'drift-drill');
  const drill = page.locator('#step-drift-drill .result');
  await expect(drill).toContainText('by kubectl (scale)');
  await expect(drill).toContainText('automation reverted the image drift');
});
