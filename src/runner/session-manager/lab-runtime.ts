/**
 * Everything the runner starts on the learner's behalf, for one RunnerContext: the reaper (pid
 * records), the lab sessions (sandboxes) and the terminals (PTYs). One per context, so the routes,
 * `dojo start` (reap on start) and the dev-server integration share it; `close()` stops it all.
 */
import path from 'node:path';
import { sandboxesDir as defaultSandboxesDir } from '../../shared/paths.ts';
import type { RunnerContext } from '../runner-context.ts';
import { Reaper } from '../reaper.ts';
import { releaseAllKindClusters } from '../../sandbox/kind-cluster.ts';
import { stopOwnedProcessClusters } from '../../sandbox/process-cluster.ts';
import { SessionManager } from '../session-manager.ts';
import { TerminalManager } from '../terminal/terminal-manager.ts';

export interface LabRuntime {
  reaper: Reaper;
  sessions: SessionManager;
  terminals: TerminalManager;
  /** Stops every terminal and sandbox and removes this runner's pid records. Safe to call twice. */
  close(): Promise<void>;
}

export interface LabRuntimeOptions {
  /** Where sandboxes/<id>.ts live: DOJO_SANDBOXES_DIR, else the repository's sandboxes/. */
  sandboxesDir?: string;
  detachedTtlMs?: number;
  shell?: string;
  slowStartMs?: number;
}

const runtimes = new WeakMap<RunnerContext, LabRuntime>();

export function labRuntime(ctx: RunnerContext, options: LabRuntimeOptions = {}): LabRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const sandboxesDir = path.resolve(options.sandboxesDir ?? defaultSandboxesDir());
  const reaper = new Reaper(ctx.dojoHome).open();
  const sessions = new SessionManager({ dojoHome: ctx.dojoHome, labsDir: ctx.labsDir, sandboxesDir, reaper });
  const terminals = new TerminalManager({
    dojoHome: ctx.dojoHome,
    labsDir: ctx.labsDir,
    sessions,
    reaper,
    ...(options.detachedTtlMs !== undefined ? { detachedTtlMs: options.detachedTtlMs } : {}),
    ...(options.shell !== undefined ? { shell: options.shell } : {}),
    ...(options.slowStartMs !== undefined ? { slowStartMs: options.slowStartMs } : {}),
  });
  let closing: Promise<void> | undefined;
  const runtime: LabRuntime = {
    reaper,
    sessions,
    terminals,
    close: () => {
      closing ??= (async () => {
        await Promise.all([terminals.close(), sessions.close()]);
        // Clusters kept warm for reuse linger after their lab stops; on shutdown they go too.
        await releaseAllKindClusters();
        // Process clusters made from a lab terminal (`dojo cluster create`, Terraform) stop with the
        // runner; their data stays for the next start.
        await stopOwnedProcessClusters(ctx.dojoHome).catch(() => undefined);
        reaper.close();
      })();
      return closing;
    },
  };
  runtimes.set(ctx, runtime);
  return runtime;
}
