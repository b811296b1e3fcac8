/**
 * Finds an executable on PATH, then in the repository's `.toolchain/` (what scripts/toolchain.sh
 * installs), so a developer checkout and CI find the same tools without editing PATH.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { toolchainBinDirs } from '../shared/paths.ts';

export function searchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
  return [...fromEnv, ...toolchainBinDirs];
}

export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? (env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of searchPath(env)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return null;
}

/** The environment for child processes: PATH extended with the toolchain folders. */
export function toolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: searchPath(env).join(path.delimiter) };
}
