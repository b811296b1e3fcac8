import { expect, test } from './fixtures.ts';

test('the catalog lists the remote-state lab and opens it', async ({ page, runner }) => {
  await page.goto(runner.launchUrl);
  // The token is swapped for a cookie and removed from the address bar.
  await expect(page).toHaveURL(`${runner.origin}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'Labs' })).toBeVisible();
  const card = page.locator('[data-lab="terraform-state"]');
  await expect(card.getByRole('link', { name: 'Terraform remote state, locking and recovery' })).toBeVisible();
  await expect(card).toContainText('6 steps');
  await card.getByRole('link').click();
  await expect(page).toHaveURL(`${runner.origin}/labs/terraform-state/`);
  await expect(
    page.getByRole('heading', { level: 2, name: '4. Release a lock left by an interrupted apply' }),
  ).toBeVisible();
  // The API answers this browser because the launch cookie was set.
  const status = await page.evaluate(async () => (await fetch('/api/doctor')).status);
  expect(status).toBe(200);
});
