/**
 * `npm run bench:pages`: the JavaScript each page makes the browser download, measured in the
 * system Chromium against the real runner: raw bytes (what the browser parses), gzip -9 and
 * brotli sizes of the same files, and the bytes actually transferred (as served, with the
 * runner's compression). The lab page is measured twice on a 390 px wide screen, where the
 * terminal is not visible at first: before the terminal is opened, and after the learner
 * switches to it (xterm.js loads then). The budget: lab page JS before the terminal opens under
 * 100 kB (100,000 bytes) gzipped.
 *
 * Usage: npm run bench:pages [-- --dist DIR] [-- --identity] [-- --json]
 *   --dist DIR   measure another build (e.g. one of an older commit); default dist/, built if stale
 *   --identity   ask for uncompressed responses (Accept-Encoding: identity), as the runner served
 *                everything before it compressed
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { chromium, type Page, type Response } from '@playwright/test';
import { chromiumPath } from '../test/e2e/chromium-path.ts';
import { allRoutes } from '../src/runner/all-routes.ts';
import { createRunnerContext } from '../src/runner/runner-context.ts';
import { startRunner } from '../src/runner/runner-server.ts';
import { buildSite, siteIsStale } from '../src/runner/site-build.ts';
import { distDir, labsDir } from '../src/shared/paths.ts';

const { values } = parseArgs({
  options: {
    dist: { type: 'string' },
    identity: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const dist = values.dist ? path.resolve(values.dist) : distDir;
if (!values.dist && (await siteIsStale(dist))) await buildSite((line) => console.error(line));

const BUDGET_GZIP_BYTES = 100_000;
const LAB = 'terraform-state';
const SETTLE_MS = 1500;

interface Script {
  url: string;
  raw: number;
  gzip: number;
  brotli: number;
  transferred: number;
  encoding: string;
}
interface Row {
  page: string;
  phase: string;
  scripts: Script[];
}

const sum = (xs: Script[], key: 'raw' | 'gzip' | 'brotli' | 'transferred') => xs.reduce((n, s) => n + s[key], 0);
/** kB = 1,000 bytes, as the budget and the issue that set it count. */
const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;

/** Collects every JavaScript response the page receives from now on. */
function collectScripts(page: Page): { scripts: Promise<Script>[] } {
  const bag = { scripts: [] as Promise<Script>[] };
  page.on('response', (response: Response) => {
    const type = response.headers()['content-type'] ?? '';
    if (!type.includes('javascript')) return;
    bag.scripts.push(
      (async () => {
        const body = await response.body();
        const sizes = await response.request().sizes();
        return {
          url: new URL(response.url()).pathname,
          raw: body.length,
          gzip: zlib.gzipSync(body, { level: 9 }).length,
          brotli: zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
          transferred: sizes.responseBodySize,
          encoding: response.headers()['content-encoding'] ?? 'identity',
        };
      })(),
    );
  });
  return bag;
}

const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-bench-pages-'));
const ctx = createRunnerContext(home, labsDir);
const runner = await startRunner({ port: 0, distDir: dist, ...allRoutes(ctx) });

/**
 * The cost of compressing on the fly: each script of the build fetched twice with brotli accepted,
 * before the browser has asked for anything (the first request compresses, the second is served
 * from the runner's cache).
 */
async function timeCompression(): Promise<{ file: string; bytes: number; firstMs: number; cachedMs: number }[]> {
  const files = (await readdir(path.join(dist, '_astro'))).filter((f) => f.endsWith('.js'));
  const get = async (file: string) => {
    const t0 = performance.now();
    const res = await fetch(`${runner.origin}/_astro/${file}`, { headers: { 'Accept-Encoding': 'br' } });
    const bytes = (await res.arrayBuffer()).byteLength;
    return { ms: performance.now() - t0, bytes };
  };
  const out = [];
  for (const file of files) {
    const first = await get(file);
    const cached = await get(file);
    out.push({ file, bytes: first.bytes, firstMs: first.ms, cachedMs: cached.ms });
  }
  return out.sort((a, b) => b.firstMs - a.firstMs);
}
const compression = values.identity ? [] : await timeCompression();

const executablePath = chromiumPath();
const browser = await chromium.launch({
  ...(executablePath ? { executablePath } : {}),
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const rows: Row[] = [];
try {
  const pages = ['/', `/labs/${LAB}/`, '/interview/', '/interview/how-state-locking-works/'];
  for (const pathname of pages) {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      ...(values.identity ? { extraHTTPHeaders: { 'Accept-Encoding': 'identity' } } : {}),
    });
    const page = await context.newPage();
    const before = collectScripts(page);
    // The token goes with the first request (the runner answers with its cookie and a redirect to
    // the page), so no other page is loaded first and nothing comes from the browser's cache.
    // Not 'networkidle': the lab page keeps its progress streams open. The load event, then a
    // moment for anything loaded lazily without a learner's action.
    await page.goto(`${runner.origin}${pathname}?token=${encodeURIComponent(runner.token)}`, { waitUntil: 'load' });
    await page.waitForTimeout(SETTLE_MS);
    rows.push({
      page: pathname,
      phase: pathname.startsWith('/labs/') ? 'before the terminal opens' : 'page load',
      scripts: await Promise.all(before.scripts),
    });
    if (pathname.startsWith('/labs/')) {
      const after = collectScripts(page);
      // Builds without the narrow-screen switch show the terminal in the page flow: scroll to it.
      const switchButton = page.locator('[data-view-button="terminal"]');
      if (await switchButton.count()) await switchButton.click();
      else await page.locator('dojo-terminal').scrollIntoViewIfNeeded();
      await page.locator('dojo-terminal .xterm').waitFor({ timeout: 30_000 });
      await page.waitForTimeout(SETTLE_MS);
      rows.push({
        page: pathname,
        phase: 'after the terminal opens (added)',
        scripts: await Promise.all(after.scripts),
      });
    }
    await context.close();
  }
} finally {
  await browser.close();
  await runner.close();
  ctx.db.close();
  await rm(home, { recursive: true, force: true });
}

const labBefore = rows.find((r) => r.page === `/labs/${LAB}/` && r.phase.startsWith('before'));
const budgetOk = labBefore ? sum(labBefore.scripts, 'gzip') < BUDGET_GZIP_BYTES : false;
if (values.json) {
  console.log(
    JSON.stringify({
      dist,
      identity: values.identity,
      budgetGzipBytes: BUDGET_GZIP_BYTES,
      budgetOk,
      rows,
      compression,
    }),
  );
} else {
  console.log(
    `bench:pages  ${dist}  (Chromium, 390 px wide; ${values.identity ? 'Accept-Encoding: identity' : 'compression as served'})\n`,
  );
  const header = ['page', 'phase', 'files', 'raw', 'gzip -9', 'brotli 11', 'transferred', 'served as'];
  const lines = rows.map((r) => [
    r.page,
    r.phase,
    String(r.scripts.length),
    kb(sum(r.scripts, 'raw')),
    kb(sum(r.scripts, 'gzip')),
    kb(sum(r.scripts, 'brotli')),
    kb(sum(r.scripts, 'transferred')),
    [...new Set(r.scripts.map((s) => s.encoding))].join(', ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
  console.log('\nLargest files:');
  const all = rows.flatMap((r) => r.scripts.map((s) => ({ ...s, page: r.page })));
  const unique = [...new Map(all.map((s) => [s.url, s])).values()].sort((a, b) => b.raw - a.raw).slice(0, 6);
  for (const s of unique) console.log(`  ${kb(s.raw).padStart(9)} raw  ${kb(s.gzip).padStart(8)} gzip  ${s.url}`);
  if (compression.length) {
    const total = (k: 'firstMs' | 'cachedMs') => compression.reduce((n, c) => n + c[k], 0);
    const top = compression[0];
    console.log(
      `\nOn-the-fly compression (brotli q9, q5 over 1 MB), ${compression.length} scripts: first request ${total('firstMs').toFixed(0)} ms in all` +
        (top ? ` (slowest ${top.firstMs.toFixed(0)} ms, ${top.file})` : '') +
        `; from the cache ${total('cachedMs').toFixed(0)} ms in all`,
    );
  }
  if (labBefore) {
    console.log(
      `\nBudget: lab page JS before the terminal opens ${kb(sum(labBefore.scripts, 'gzip'))} gzipped, limit ${kb(BUDGET_GZIP_BYTES)}: ${budgetOk ? 'within' : 'OVER'}`,
    );
  }
}
