/**
 * The learner's workspace for a lab: DOJO_HOME/workspaces/<lab>, seeded from the lab's starter/.
 *
 * Nothing the learner wrote is deleted without a backup: a reset first moves the whole workspace
 * to DOJO_HOME/backups/<lab>-<timestamp>/ and only then lays the starter down again.
 */
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedLab } from './load-labs.ts';
import { workspaceDir } from '../shared/paths.ts';

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null)) !== null;
}

// The page, its terminal and the sandbox all ask for the workspace at once on first visit: one
// seeding per folder at a time, and the copy lands under a temporary name then moves into place.
const seeding = new Map<string, Promise<string>>();

/**
 * Creates the workspace from the starter if it does not exist yet or is empty (a terminal or
 * sandbox may have created the folder first); returns its path. A workspace with files is never
 * touched.
 */
export function ensureWorkspace(lab: LoadedLab, dojoHome: string): Promise<string> {
  const dir = workspaceDir(dojoHome, lab.id);
  const running = seeding.get(dir);
  if (running) return running;
  const work = seed(lab, dir).finally(() => seeding.delete(dir));
  seeding.set(dir, work);
  return work;
}

async function seed(lab: LoadedLab, dir: string): Promise<string> {
  if (await exists(dir)) {
    if ((await readdir(dir)).length > 0) return dir;
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(path.dirname(dir), { recursive: true });
  const starter = path.join(lab.dir, 'starter');
  const staging = `${dir}.seeding-${process.pid}-${Date.now()}`;
  if (await exists(starter)) await cp(starter, staging, { recursive: true });
  else await mkdir(staging, { recursive: true });
  try {
    await rename(staging, dir);
  } catch (err) {
    // Another process seeded it first: keep theirs.
    await rm(staging, { recursive: true, force: true });
    if (!(await exists(dir))) throw err;
  }
  return dir;
}

/** Moves the workspace aside (returns where) and lays a fresh starter down. */
export async function resetWorkspace(
  lab: LoadedLab,
  dojoHome: string,
): Promise<{ workspace: string; backup: string | null }> {
  const dir = workspaceDir(dojoHome, lab.id);
  let backup: string | null = null;
  if (await exists(dir)) {
    const entries = await readdir(dir);
    if (entries.length) {
      backup = path.join(dojoHome, 'backups', `${lab.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      await mkdir(path.dirname(backup), { recursive: true });
      await rename(dir, backup);
    }
  }
  return { workspace: await ensureWorkspace(lab, dojoHome), backup };
}
