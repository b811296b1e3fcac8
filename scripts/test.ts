/**
 * `npm test`: every suite the README promises, in one command.
 *
 * 1. Vitest (unit + integration projects), 2. Playwright end-to-end tests in the system Chromium.
 * Tests that need a missing tool fail when CI=true and skip otherwise; each skip is recorded in a
 * file (DOJO_MISSING_TOOLS_FILE) so this script can end with one line per missing tool saying how
 * to install it. The last line is "N passed, N failed, N skipped" over both runners.
 *
 * Extra arguments go to Vitest (e.g. `npm test -- test/unit`); `--no-e2e` skips Playwright.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dojo-test-'));
const missingFile = path.join(tmp, 'missing-tools.tsv');
const ci = process.env['CI'] === 'true';
const args = process.argv.slice(2);
const runE2e = !args.includes('--no-e2e');
const vitestArgs = args.filter((a) => a !== '--no-e2e');

const toolchain = [
  path.join(root, '.toolchain', 'node', 'bin'),
  path.join(root, '.toolchain', 'bin'),
  path.join(root, '.toolchain', 'venv', 'bin'),
  path.join(root, '.toolchain', 'process-cluster', 'bin'),
];
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: [...toolchain.filter((d) => existsSync(d)), process.env['PATH'] ?? ''].join(path.delimiter),
  DOJO_MISSING_TOOLS_FILE: missingFile,
  ASTRO_TELEMETRY_DISABLED: '1',
};

function bin(name: string): string {
  return path.join(root, 'node_modules', '.bin', name);
}

function run(label: string, cmd: string, argv: string[], extraEnv: NodeJS.ProcessEnv = {}): number {
  const started = Date.now();
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  console.log(`=== ${label}: exit ${r.status ?? r.signal} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  return r.status ?? 1;
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
let failedRunner = false;

// --- Vitest -----------------------------------------------------------------------------------
const vitestJson = path.join(tmp, 'vitest.json');
const vitestExit = run('vitest (unit + integration)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
  ...vitestArgs,
]);
if (existsSync(vitestJson)) {
  const r = JSON.parse(readFileSync(vitestJson, 'utf8')) as Record<string, number>;
  total.passed += r['numPassedTests'] ?? 0;
  total.failed += r['numFailedTests'] ?? 0;
  total.skipped += (r['numPendingTests'] ?? 0) + (r['numTodoTests'] ?? 0);
}
if (vitestExit !== 0) failedRunner = true;

// --- Playwright ---------------------------------------------------------------------------------
if (runE2e) {
  const chromium =
    ['chromium', 'chromium-browser', 'google-chrome'].some((b) =>
      (env['PATH'] ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, b))),
    ) ||
    (env['CHROMIUM_PATH'] !== undefined && existsSync(env['CHROMIUM_PATH']));
  if (!chromium && !ci) {
    console.log('\n=== playwright: skipped, no Chromium on PATH ===');
    spawnSync('sh', [
      '-c',
      `printf 'chromium\\tapt-get install chromium (or set CHROMIUM_PATH)\\n' >> "${missingFile}"`,
    ]);
  } else {
    const pwJson = path.join(tmp, 'playwright.json');
    const pwExit = run('playwright (end-to-end, Chromium)', bin('playwright'), ['test', '--reporter=list,json'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
    });
    if (existsSync(pwJson)) {
      const s = (JSON.parse(readFileSync(pwJson, 'utf8')) as { stats: Record<string, number> }).stats;
      total.passed += (s['expected'] ?? 0) + (s['flaky'] ?? 0);
      total.failed += s['unexpected'] ?? 0;
      total.skipped += s['skipped'] ?? 0;
    }
    if (pwExit !== 0) failedRunner = true;
  }
}

// --- Summary ------------------------------------------------------------------------------------
const missing = existsSync(missingFile)
  ? [...new Set(readFileSync(missingFile, 'utf8').split('\n').filter(Boolean))]
  : [];
console.log('\n=== summary ===');
if (missing.length) {
  console.log('Skipped because a tool is missing (install it and run npm test again):');
  for (const line of missing) {
    const [tool, hint] = line.split('\t');
    console.log(`  - ${tool}: ${hint}`);
  }
} else {
  console.log('No test was skipped for a missing tool.');
}
rmSync(tmp, { recursive: true, force: true });
if (failedRunner && total.failed === 0) total.failed = 1; // a runner crashed before reporting
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failedRunner ? 1 : 0);
