/**
 * Where the process provider's programs are: the build of scripts/toolchain.sh (phases
 * process-cluster and redis), installed once per user in ~/.cache/gitops-dojo/process-cluster
 * (shared by every checkout, so a fresh clone finds it; `.toolchain/process-cluster` links to it),
 * or a folder named by DOJO_PROCESS_CLUSTER_HOME with the same layout (`bin/`, `share/`). The build's own folder is
 * searched before PATH for the Kubernetes programs, because a kubectl or etcd already on PATH is
 * usually another version than the one the sandbox was built and tested with.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { processClusterHomes } from '../shared/paths.ts';
import { which } from './which.ts';

export const PROCESS_PROGRAMS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'kubectl',
  'argocd',
  'redis-server',
] as const;
export type ProcessProgram = (typeof PROCESS_PROGRAMS)[number];

/** Pinned with scripts/toolchain.sh and scripts/process-cluster/go.mod. */
export const PROCESS_VERSIONS = {
  kubernetes: 'v1.37.2',
  etcd: 'v3.7.0',
  kwok: 'v0.8.0',
  argocd: 'v3.6.1',
} as const;

export interface ProcessBinaries {
  home: string;
  /** Absolute path of each program found. */
  bin: Partial<Record<ProcessProgram, string>>;
  missing: ProcessProgram[];
  /** kwok's Stage objects and Argo CD's CRDs, config objects and git-verify-wrapper.sh. */
  share: { kwokStages: string; argocdCrds: string; argocdConfig: string; gitVerifyWrapper: string };
  /** Share files that are missing (a build interrupted half-way). */
  missingShare: string[];
}

export const PROCESS_INSTALL_HINT =
  'Fix: run "npx dojo sandbox install" (builds them from the Go module proxy with Go >= 1.26: 12-15 min the first time on 2 cores, under a minute with a warm Go cache, and installs redis-server), or install Docker and use DOJO_PROVIDER=docker.';

/** DOJO_PROCESS_CLUSTER_HOME, else this checkout's .toolchain/process-cluster, else the per-user install. */
export function processClusterRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env['DOJO_PROCESS_CLUSTER_HOME']) return path.resolve(env['DOJO_PROCESS_CLUSTER_HOME']);
  const homes = processClusterHomes(env);
  return homes.find((h) => existsSync(path.join(h, 'bin', 'kube-apiserver'))) ?? homes[homes.length - 1] ?? '';
}

export function findProcessBinaries(env: NodeJS.ProcessEnv = process.env): ProcessBinaries {
  const home = processClusterRoot(env);
  const bin: ProcessBinaries['bin'] = {};
  const missing: ProcessProgram[] = [];
  for (const name of PROCESS_PROGRAMS) {
    const own = path.join(home, 'bin', name);
    const found = existsSync(own) ? own : which(name, env);
    if (found) bin[name] = found;
    else missing.push(name);
  }
  const share = {
    kwokStages: path.join(home, 'share', 'kwok', 'stages.yaml'),
    argocdCrds: path.join(home, 'share', 'argocd', 'crds'),
    argocdConfig: path.join(home, 'share', 'argocd', 'config'),
    gitVerifyWrapper: path.join(home, 'share', 'argocd', 'git-verify-wrapper.sh'),
  };
  const missingShare = Object.values(share).filter((f) => !existsSync(f));
  return { home, bin, missing, share, missingShare };
}

/** Why the process provider cannot run here, or null when it can. */
export function processProviderProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.platform !== 'linux') {
    return `the process provider runs on Linux (x86_64 and arm64) only for now; this is ${process.platform}/${process.arch}. On macOS and Windows use Docker (DOJO_PROVIDER=docker).`;
  }
  const found = findProcessBinaries(env);
  const lacking = [...found.missing, ...found.missingShare.map((f) => path.relative(found.home, f))];
  if (!lacking.length) return null;
  return `the process provider needs ${lacking.join(', ')} (looked in ${found.home}/bin, then PATH). ${PROCESS_INSTALL_HINT}`;
}
