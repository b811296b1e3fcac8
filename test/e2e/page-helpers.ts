/** Helpers the browser specs share: axe, the lab tools check, keyboard focus, pixel reading. */
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';

/** axe's serious and critical violations, one line each (rule, help, where). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

const toolchain = path.resolve('.toolchain');
function has(bin: string): boolean {
  const dirs = [
    ...(process.env['PATH'] ?? '').split(path.delimiter),
    path.join(toolchain, 'bin'),
    path.join(toolchain, 'venv', 'bin'),
  ];
  return dirs.some((d) => existsSync(path.join(d, bin)));
}

/** terraform-state needs moto_server, the AWS CLI and tofu or terraform: fails under CI=true, skips elsewhere. */
export function requireLabTools(testInfo: TestInfo): void {
  const missing = ['moto_server', 'aws'].filter((b) => !has(b)).concat(has('tofu') || has('terraform') ? [] : ['tofu']);
  if (!missing.length) return;
  if (process.env['CI'] === 'true')
    throw new Error(`CI=true but ${missing.join(', ')} missing: run scripts/toolchain.sh`);
  const file = process.env['DOJO_MISSING_TOOLS_FILE'];
  if (file) for (const m of missing) appendFileSync(file, `${m}\trun scripts/toolchain.sh\n`);
  testInfo.skip(true, `missing ${missing.join(', ')}`);
}

/** A short description of the focused element: its tag, accessible-ish name, and where it is. */
export function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      text: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim().replace(/\s+/g, ' '),
      inTerminalScreen: Boolean(el?.closest('[data-screen]')),
      xtermInput: Boolean(el?.classList.contains('xterm-helper-textarea')),
      action: el?.dataset['action'] ?? null,
      step: el?.closest<HTMLElement>('[data-step]')?.dataset['step'] ?? null,
    };
  });
}

/** Presses Tab until `match` holds for the focused element; fails after `max` presses. */
export async function tabUntil(
  page: Page,
  match: (f: Awaited<ReturnType<typeof focused>>) => boolean,
  max = 30,
): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (match(await focused(page))) return;
  }
  throw new Error(`Tab never reached the element wanted; last focused: ${JSON.stringify(await focused(page))}`);
}

/**
 * Counts the light pixels (text on the dark theme) in a PNG screenshot, decoded by the page itself
 * (createImageBitmap), so no image library is needed.
 */
export function lightPixels(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let light = 0;
    for (let i = 0; i < data.length; i += 4) {
      if ((data[i] ?? 0) + (data[i + 1] ?? 0) + (data[i + 2] ?? 0) > 3 * 110) light++;
    }
    return light;
  }, png.toString('base64'));
}
