/**
 * Where things live. The repository root is found from this file's location so the CLI works from
 * any working directory; the data folder follows DOJO_HOME, then XDG_DATA_HOME, then the platform default.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const labsDir = path.join(repoRoot, 'labs');
export const interviewDir = path.join(repoRoot, 'interview');
export const distDir = path.join(repoRoot, 'dist');
/** Tools installed by scripts/toolchain.sh; searched after PATH so a developer's checkout finds them. */
export const toolchainBinDirs = [
  path.join(repoRoot, '.toolchain', 'bin'),
  path.join(repoRoot, '.toolchain', 'venv', 'bin'),
  path.join(repoRoot, '.toolchain', 'process-cluster', 'bin'),
];
/** The process sandbox's build (scripts/toolchain.sh phase process-cluster): binaries and the YAML they need. */
export const processClusterHome = path.join(repoRoot, '.toolchain', 'process-cluster');
/** LocalStack installed as a host process (phase localstack): a venv with localstack-core. */
export const localStackVenv = path.join(repoRoot, '.toolchain', 'localstack');

export function dojoHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env['DOJO_HOME']) return path.resolve(env['DOJO_HOME']);
  if (process.platform === 'win32') {
    return path.join(env['LOCALAPPDATA'] ?? path.join(os.homedir(), 'AppData', 'Local'), 'gitops-dojo');
  }
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'gitops-dojo');
  return path.join(env['XDG_DATA_HOME'] ?? path.join(os.homedir(), '.local', 'share'), 'gitops-dojo');
}

/** The learner's working folder for a lab: the terminal's cwd, seeded from the lab's starter/. */
export function workspaceDir(home: string, labId: string): string {
  return path.join(home, 'workspaces', labId);
}

/** Where `sandboxes/<id>.ts` live: DOJO_SANDBOXES_DIR (tests), else the repository's sandboxes/. */
export function sandboxesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env['DOJO_SANDBOXES_DIR'] ?? path.join(repoRoot, 'sandboxes'));
}
