/**
 * Builds the static site when dist/ is missing or older than its sources, so `npm start` on a
 * fresh clone just works and a later edit to a lab is picked up on the next start.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../shared/paths.ts';

const SOURCES = ['src', 'labs', 'interview', 'public', 'astro.config.mjs', 'package.json'];

async function newestMtime(entry: string): Promise<number> {
  const info = await stat(entry).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const child of await readdir(entry)) {
    if (child === 'node_modules' || child.startsWith('.')) continue;
    newest = Math.max(newest, await newestMtime(path.join(entry, child)));
  }
  return newest;
}

export async function siteIsStale(distDir: string, root = repoRoot): Promise<boolean> {
  const stamp = path.join(distDir, 'index.html');
  if (!existsSync(stamp)) return true;
  const built = (await stat(stamp)).mtimeMs;
  const sources = await Promise.all(SOURCES.map((s) => newestMtime(path.join(root, s))));
  return Math.max(...sources) > built;
}

export async function buildSite(log: (line: string) => void, root = repoRoot): Promise<void> {
  const started = Date.now();
  log('building the site (astro build)…');
  const astro = path.join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const r = await execa(process.execPath, [astro, 'build'], {
    cwd: root,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  if (r.exitCode !== 0) {
    const tail = String(r.all ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .slice(-25)
      .join('\n');
    throw new Error(`the site build failed (astro build exited ${r.exitCode}). Its last lines:\n${tail}`);
  }
  log(`site built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
