/**
 * The learner's workspace for a lab: DOJO_HOME/workspaces/<lab>, seeded from the lab's starter/.
 *
 * Nothing the learner wrote is deleted without a backup: a reset first moves the whole workspace
 * to DOJO_HOME/backups/<lab>-<timestamp>/ and only then lays the starter down again.
 */
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedLab } from '../shared/load-labs.ts';
import { workspaceDir } from '../shared/paths.ts';

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null)) !== null;
}

/**
 * Creates the workspace from the starter if it does not exist yet or is empty (a terminal or
 * sandbox may have created the folder first); returns its path. A workspace with files is never
 * touched.
 */
export async function ensureWorkspace(lab: LoadedLab, dojoHome: string): Promise<string> {
  const dir = workspaceDir(dojoHome, lab.id);
  if (await exists(dir)) {
    if ((await readdir(dir)).length > 0) return dir;
    await rm(dir, { recursive: true });
  }
  await mkdir(path.dirname(dir), { recursive: true });
  const starter = path.join(lab.dir, 'starter');
  if (await exists(starter)) await cp(starter, dir, { recursive: true });
  else await mkdir(dir, { recursive: true });
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
