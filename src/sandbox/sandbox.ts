/**
 * A sandbox: the services one lab needs, and the environment its terminal and checks get.
 *
 * Lifecycle as types: `Sandbox` (a definition in sandboxes/<id>.ts) → `start()` → `StartedSandbox`,
 * which is AsyncDisposable. Long start-ups report progress through `onProgress` with named phases,
 * which the runner streams to the page over SSE.
 */
import type { SandboxPersistence } from './sandbox-persistence.ts';

export interface SandboxProgress {
  /** Stable phase id, e.g. "start-emulator". */
  phase: string;
  /** Human text, e.g. "Starting moto_server on 127.0.0.1:41234". */
  message: string;
  /** 0–100 for the whole start-up. */
  percent: number;
}

export interface SandboxStartOptions {
  /** The lab workspace (the terminal's cwd, where overrides are written). */
  workspace: string;
  /** DOJO_HOME, for pid files and caches. */
  dojoHome: string;
  /**
   * A folder for this lab's services' data, kept across stops and runner restarts (the runner
   * moves it to the backups on Reset step). A sandbox that can persist keeps its data here.
   */
  dataDir?: string;
  onProgress?: (p: SandboxProgress) => void;
  signal?: AbortSignal;
  /**
   * Records a process the sandbox just started, synchronously, before start() goes on: the runner
   * writes its pid file at once, so a crash at any moment of a long start leaves nothing behind.
   */
  recordPid?: (pid: number, command: string) => void;
}

export interface StartedSandbox extends AsyncDisposable {
  readonly id: string;
  /** Variables the terminal and checks get on top of the user's environment. */
  readonly env: Record<string, string>;
  /** Process ids this sandbox started (recorded so a crashed runner's leftovers can be reaped). */
  readonly pids: number[];
  /** Human-readable services, e.g. { "AWS emulator": "moto_server 5.2.5 at http://127.0.0.1:41234" }. */
  readonly services: Record<string, string>;
  /** Whether what the learner built survives a stop or restart (omitted: assume it does not). */
  readonly persistence?: SandboxPersistence;
  stop(): Promise<void>;
}

export interface Sandbox {
  readonly id: string;
  readonly title: string;
  start(options: SandboxStartOptions): Promise<StartedSandbox>;
}
