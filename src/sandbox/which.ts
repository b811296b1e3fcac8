/**
 * Finds an executable on PATH, then in the repository's `.toolchain/` (what scripts/toolchain.sh
 * installs), so a developer checkout and CI find the same tools without editing PATH.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
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

/**
 * The environment for child processes: PATH extended with the toolchain folders. A
 * TF_CLI_CONFIG_FILE naming a file that does not exist is dropped: terraform and tofu would print
 * a warning on every command (seen on CI images), which learners and parsers then trip over.
 */
export function toolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, PATH: searchPath(env).join(path.delimiter) };
  const cfg = out['TF_CLI_CONFIG_FILE'];
  if (cfg && !existsSync(cfg)) delete out['TF_CLI_CONFIG_FILE'];
  return out;
}
