/**
 * One long-running program of a process sandbox (etcd, kube-apiserver, an Argo CD component…):
 * started detached in its own session with its output appended to a log file, so it neither dies
 * with the terminal that started it (Ctrl-C, a closed `dojo cluster create`) nor blocks on a pipe
 * nobody reads. Its pid and kernel start time are handed to `onStarted` synchronously, before
 * anything awaits, so a crash of the caller at any later moment leaves a record to reap from.
 *
 * Identity is (pid, start time): a pid the kernel reused for another program is never signalled.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { processInfo, sameProcess, signal } from '../process-table.ts';

export interface ComponentSpec {
  /** Stable name within the sandbox, e.g. "kube-apiserver" or "argocd-repo-server". */
  component: string;
  binary: string;
  args: string[];
  /** The whole environment of the program (nothing of the runner's is inherited implicitly). */
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

export interface RunningComponent {
  component: string;
  pid: number;
  startTime: string;
  logFile: string;
  command: string;
}

export class ComponentStartError extends Error {
  readonly component: string;
  constructor(component: string, message: string) {
    super(message);
    this.name = 'ComponentStartError';
    this.component = component;
  }
}

/**
 * Variables a sandbox program inherits from the runner: enough to find tools and a home, nothing
 * that identifies the learner's session (DOJO_TOKEN never crosses), no proxy that would send
 * loopback traffic elsewhere.
 */
export function baseEnvironment(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) {
    const v = env[key];
    if (v !== undefined) out[key] = v;
  }
  out['NO_PROXY'] = '127.0.0.1,localhost';
  out['no_proxy'] = '127.0.0.1,localhost';
  return { ...out, ...extra };
}

/**
 * Go's garbage collector trades memory for CPU (GOGC=100 lets the heap double before collecting).
 * A sandbox runs a dozen Go programs on a laptop that also runs a browser: collecting earlier
 * costs a little CPU and keeps them small. Measured on one cluster with Argo CD, steady state:
 * 1.28 GiB at the default, 1.13 GiB with GOGC=50 everywhere, 1.06 GiB with 25 (the API server,
 * whose caches dominate, from 568 to 368 MiB). A user's own GOGC wins.
 */
export function goMemoryTuning(component: string, env: NodeJS.ProcessEnv): Record<string, string> {
  if (env['GOGC']) return { GOGC: env['GOGC'] };
  // The two whose caches grow with what the learner deploys collect soonest.
  return { GOGC: component === 'kube-apiserver' || component === 'argocd-application-controller' ? '25' : '50' };
}

/** Starts the program; resolves once it is spawned (not ready: readiness is the caller's probe). */
export async function startComponent(
  spec: ComponentSpec,
  onStarted: (running: RunningComponent) => void,
): Promise<RunningComponent> {
  await mkdir(path.dirname(spec.logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(spec.logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(spec.binary, spec.args, {
      cwd: spec.cwd,
      env: { ...goMemoryTuning(spec.component, process.env), ...spec.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new ComponentStartError(spec.component, `could not start ${spec.component} (${spec.binary}): ${err.message}`);
  }
  child.unref();
  // An early exit is noticed by the readiness probe through isRunning(); the 'error' event after
  // a successful spawn would only be about signals, which we do not care to report here.
  child.on('error', () => undefined);
  const info = processInfo(pid);
  const running: RunningComponent = {
    component: spec.component,
    pid,
    startTime: info?.startTime ?? '',
    logFile: spec.logFile,
    command: `${path.basename(spec.binary)} ${spec.args.join(' ')}`.slice(0, 500),
  };
  onStarted(running);
  return running;
}

export function isRunning(c: Pick<RunningComponent, 'pid' | 'startTime'>): boolean {
  return c.startTime !== '' && sameProcess(c.pid, c.startTime);
}

/** The last lines of a component's log (its last 16 KiB at most), for an error message. */
export function logTail(file: string, lines = 15): string {
  try {
    const size = statSync(file).size;
    const want = Math.min(size, 16_384);
    const buf = Buffer.alloc(want);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, want, size - want);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n') || '(empty log)';
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `ready` until it resolves true, failing early when the component exited (with the tail of
 * its log) and after `timeoutMs` with what was awaited and for how long.
 */
export async function waitReady(
  component: RunningComponent,
  what: string,
  ready: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (options.signal?.aborted)
      throw new ComponentStartError(component.component, `start of ${component.component} cancelled`);
    if (!isRunning(component)) {
      throw new ComponentStartError(
        component.component,
        `${component.component} exited while starting (waiting for ${what}). Last lines of ${component.logFile}:\n${logTail(component.logFile)}`,
      );
    }
    if (await ready().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > options.timeoutMs) {
      throw new ComponentStartError(
        component.component,
        `timed out after ${(options.timeoutMs / 1000).toFixed(0)} s waiting for ${what}. Last lines of ${component.logFile}:\n${logTail(component.logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 150));
  }
}

/**
 * Stops components: SIGTERM to each (their own session, so their children too), SIGKILL for
 * what is left after `graceMs`. Components that are not the recorded process any more are skipped.
 */
export async function stopComponents(
  components: Pick<RunningComponent, 'pid' | 'startTime'>[],
  graceMs = 5000,
): Promise<void> {
  const live = components.filter(isRunning);
  for (const c of live) {
    // The negative pid signals the component's whole process group (it leads one: detached).
    if (!signal(-c.pid, 'SIGTERM')) signal(c.pid, 'SIGTERM');
  }
  const deadline = Date.now() + graceMs;
  let left = live;
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(isRunning);
  }
  for (const c of left) {
    if (!signal(-c.pid, 'SIGKILL')) signal(c.pid, 'SIGKILL');
  }
  const hard = Date.now() + 2000;
  while (left.length && Date.now() < hard) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(isRunning);
  }
}
