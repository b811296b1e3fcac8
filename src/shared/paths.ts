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
/**
 * Where the process sandbox is installed once per user and shared by every checkout
 * (scripts/toolchain.sh phases process-cluster and localstack; `.toolchain/` links to it).
 */
export function sharedToolchainDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['DOJO_SHARED_TOOLCHAIN']) return path.resolve(env['DOJO_SHARED_TOOLCHAIN']);
  return path.join(env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'gitops-dojo');
}
/** Tools installed by scripts/toolchain.sh; searched after PATH so a developer's checkout finds them. */
export const toolchainBinDirs = [
  path.join(repoRoot, '.toolchain', 'bin'),
  path.join(repoRoot, '.toolchain', 'venv', 'bin'),
  path.join(repoRoot, '.toolchain', 'process-cluster', 'bin'),
  path.join(sharedToolchainDir(), 'process-cluster', 'bin'),
];
/** The process sandbox's build: binaries and the YAML they need, this checkout's link first. */
export function processClusterHomes(env: NodeJS.ProcessEnv = process.env): string[] {
  return [path.join(repoRoot, '.toolchain', 'process-cluster'), path.join(sharedToolchainDir(env), 'process-cluster')];
}
/** LocalStack installed as a host process: a venv with localstack-core. */
export function localStackVenvs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [path.join(repoRoot, '.toolchain', 'localstack'), path.join(sharedToolchainDir(env), 'localstack')];
}

/** Gitea built from its Go module (scripts/toolchain.sh phase gitea): `bin/gitea` and `share/` (templates, options, public). */
export function giteaHomes(env: NodeJS.ProcessEnv = process.env): string[] {
  return [path.join(repoRoot, '.toolchain', 'gitea'), path.join(sharedToolchainDir(env), 'gitea')];
}

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
