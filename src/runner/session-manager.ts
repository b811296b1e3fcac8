/**
 * Lab sessions: at most one running sandbox per lab, started and stopped through the API, with
 * progress events for the page and the environment for the lab's terminal.
 *
 * State per lab: stopped → starting → running → stopping → stopped, or starting → failed (the error
 * is kept until the next start). Every transition and every progress report of the sandbox is an
 * event (`SessionEvent`) delivered to subscribers (the SSE route, the terminal bridge). Nothing is
 * persisted except the reaper's pid records: a runner that restarts starts with every lab stopped
 * and reaps what the previous one left.
 *
 * Liveness: while running, the sandbox's recorded processes are checked every LIVENESS_MS; one
 * that died (a killed moto_server) turns the session "failed" with a message saying what stopped,
 * whether its data is kept, and the button to press, instead of a "running" that lies.
 *
 * Data: each lab's sandbox gets DOJO_HOME/sandbox-data/<lab>/<sandbox> to keep its services' data
 * in (moto_server replays from there). `dataSince` is when the data the sandbox holds now began:
 * kept across restarts when the sandbox restored it, "now" when it started empty. Passes older
 * than that are re-verified by the page, and a failing check says the data was lost.
 */
import createDebug from 'debug';
import type { StartedSandbox } from '../sandbox/sandbox.ts';
import { ensureWorkspace } from '../labs/lab-workspace.ts';
import { loadLab, type LoadedLab } from '../labs/load-labs.ts';
import type { SessionEvent, SessionState, SessionStatus } from '../shared/session-events.ts';
import { Reaper, stopProcesses, targetsOf } from './reaper.ts';
import { processInfo } from '../sandbox/process-table.ts';
import { checkStarted, loadSandbox, SandboxLoadError } from '../sandbox/load-sandbox.ts';
import { sandboxDataDir, type SandboxPersistence } from '../sandbox/sandbox-persistence.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sameProcess } from '../sandbox/process-table.ts';
import { ensurePrivateDir, writePrivateFile } from './private-files.ts';

/** How often a running sandbox's processes are checked. */
const LIVENESS_MS = 2000;

const debug = createDebug('dojo:session');

export interface SessionManagerOptions {
  dojoHome: string;
  labsDir: string;
  /** Where `sandboxes/<id>.ts` live. */
  sandboxesDir: string;
  reaper: Reaper;
  /** How long a sandbox's stop() may take before its processes are killed. */
  stopTimeoutMs?: number;
}

interface LabSession {
  lab: string;
  sandbox: string;
  state: SessionState;
  started?: StartedSandbox | undefined;
  startedAt?: string | undefined;
  progress?: SessionEvent;
  error?: string;
  t0: number;
  abort?: AbortController | undefined;
  /** Settles when the current start (or stop) has finished, either way. */
  starting?: Promise<void>;
  /** When the data the sandbox holds began (ISO), see the note at the top. */
  dataSince?: string | undefined;
  persistence?: SandboxPersistence | undefined;
  liveness?: NodeJS.Timeout | undefined;
}

type Listener = (event: SessionEvent) => void;

export class SessionManager {
  private readonly options: SessionManagerOptions;
  private readonly sessions = new Map<string, LabSession>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;

  constructor(options: SessionManagerOptions) {
    this.options = options;
  }

  /** Subscribes to one lab's events, or to every lab's with "*". Returns the unsubscribe function. */
  subscribe(lab: string, listener: Listener): () => void {
    const set = this.listeners.get(lab) ?? new Set();
    set.add(listener);
    this.listeners.set(lab, set);
    return () => set.delete(listener);
  }

  /** The variables a terminal for `lab` gets on top of the user's environment, if its sandbox runs. */
  environment(lab: string): Record<string, string> | null {
    const s = this.sessions.get(lab);
    if (s?.state !== 'running' || !s.started) return null;
    // Clusters made from this terminal (`dojo cluster create`, Terraform) belong to this runner:
    // stopped with it, reaped after a crash, restarted from their data by the next start.
    return { ...s.started.env, DOJO_CLUSTER_OWNER: `${process.pid}:${processInfo(process.pid)?.startTime ?? ''}` };
  }

  /** The lab's status. Throws (from loadLab) when the lab does not exist or does not validate. */
  async status(lab: string): Promise<SessionStatus> {
    const s = this.sessions.get(lab);
    if (s) return this.describe(s);
    const { manifest } = await loadLab(this.options.labsDir, lab);
    return { lab, state: 'stopped', sandbox: manifest.sandbox, services: {}, envKeys: [] };
  }

  /** Starts the lab's sandbox in the background; resolves at once with the "starting" status. */
  async start(lab: string): Promise<SessionStatus> {
    if (this.closed) throw new Error('the runner is shutting down');
    const existing = this.sessions.get(lab);
    if (existing && (existing.state === 'starting' || existing.state === 'running')) return this.describe(existing);
    if (existing?.state === 'stopping') await this.stop(lab);
    // A sandbox found dead is cleaned up first (see watchLiveness).
    if (existing?.state === 'failed') await existing.starting;
    const loaded = await loadLab(this.options.labsDir, lab);
    const sandbox = loaded.manifest.sandbox;
    const session: LabSession = { lab, sandbox, state: 'starting', t0: Date.now() };
    this.sessions.set(lab, session);
    this.emit(session, 'queued', `Starting the ${sandbox} sandbox`, 0);
    session.starting = this.run(session, loaded);
    return this.describe(session);
  }

  private async run(session: LabSession, lab: LoadedLab): Promise<void> {
    const abort = new AbortController();
    session.abort = abort;
    let started: StartedSandbox | undefined;
    try {
      const sandbox = await loadSandbox(this.options.sandboxesDir, session.sandbox);
      const workspace = await ensureWorkspace(lab, this.options.dojoHome);
      const dataDir = sandboxDataDir(this.options.dojoHome, session.lab, session.sandbox);
      ensurePrivateDir(dataDir);
      started = checkStarted(
        session.sandbox,
        await sandbox.start({
          workspace,
          dojoHome: this.options.dojoHome,
          dataDir,
          signal: abort.signal,
          // Written the moment each process starts: a crash mid-start must leave records to reap.
          recordPid: (pid, command) => this.options.reaper.record(pid, 'sandbox', session.lab, command),
          onProgress: (p) => {
            if (session.state !== 'starting') return;
            const percent = Math.max(0, Math.min(99, Number.isFinite(p.percent) ? p.percent : 0));
            this.emit(session, String(p.phase), String(p.message), percent);
          },
        }),
      );
      for (const pid of started.pids) this.options.reaper.record(pid, 'sandbox', session.lab, session.sandbox);
      if (abort.signal.aborted) throw new Error('the start was cancelled');
      session.started = started;
      session.startedAt = new Date().toISOString();
      session.persistence = started.persistence;
      session.dataSince = dataEpoch(dataDir, started.persistence, session.startedAt);
      session.state = 'running';
      this.watchLiveness(session, started);
      const services = Object.entries(started.services).map(([k, v]) => `${k}: ${v}`);
      this.emit(session, 'ready', services.length ? `Ready. ${services.join('; ')}` : 'Ready', 100);
    } catch (err) {
      if (started) await this.stopStarted(session.lab, started);
      const e = err as Error;
      const hint = err instanceof SandboxLoadError ? ` Fix: ${err.hint}.` : '';
      session.error = `${e.message ?? String(err)}${hint}`;
      session.state = abort.signal.aborted ? 'stopped' : 'failed';
      debug('start of %s failed: %O', session.lab, err);
      this.emit(
        session,
        session.state === 'failed' ? 'failed' : 'stopped',
        session.state === 'failed' ? `The sandbox did not start: ${session.error}` : 'Start cancelled',
        session.progress?.percent ?? 0,
      );
    } finally {
      session.abort = undefined;
    }
  }

  /**
   * Checks the sandbox's recorded processes until it stops; a process that died makes the session
   * "failed" (its other processes are stopped, so Start sandbox starts a whole new one).
   */
  private watchLiveness(session: LabSession, started: StartedSandbox): void {
    const timer = setInterval(() => {
      if (session.state !== 'running' || session.started !== started) {
        clearInterval(timer);
        return;
      }
      const records = this.options.reaper.current().filter((r) => r.kind === 'sandbox' && r.lab === session.lab);
      const dead = records.find((r) => !sameProcess(r.pid, r.startTime));
      if (!dead) return;
      clearInterval(timer);
      const kept = session.persistence?.survivesRestart === true;
      session.error =
        `${dead.command} (pid ${dead.pid}) stopped unexpectedly, so the sandbox is down. ` +
        (kept
          ? 'Its data is kept: press "Start sandbox" to bring it back with what you built.'
          : 'What it held (buckets, objects, tables) is gone: press "Start sandbox", then "Rebuild earlier steps" (or Reset step) to replay your earlier steps.');
      session.state = 'failed';
      session.started = undefined;
      session.startedAt = undefined;
      debug('%s: %s', session.lab, session.error);
      this.emit(session, 'failed', session.error, 0);
      // Stop what is left of it: only these records, not those of a sandbox started meanwhile.
      session.starting = (async () => {
        await Promise.race([started.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
        await stopProcesses(records.flatMap((r) => targetsOf(r)));
        for (const r of records) this.options.reaper.release(r.pid);
      })();
    }, LIVENESS_MS);
    timer.unref();
    session.liveness = timer;
  }

  /** Stops the lab's sandbox (cancelling a start in progress) and resolves once it is stopped. */
  async stop(lab: string): Promise<SessionStatus> {
    const s = this.sessions.get(lab);
    if (!s) return this.status(lab);
    if (s.state === 'starting') {
      s.abort?.abort(new Error('stopped by the user'));
      await s.starting;
    }
    if (s.state === 'stopping') {
      await s.starting;
    }
    const started = s.started;
    if (s.state === 'running' && started) {
      clearInterval(s.liveness);
      s.state = 'stopping';
      s.t0 = Date.now();
      this.emit(s, 'stopping', `Stopping the ${s.sandbox} sandbox`, 0);
      s.starting = this.stopStarted(lab, started);
      await s.starting;
      s.started = undefined;
      s.startedAt = undefined;
      s.state = 'stopped';
      this.emit(s, 'stopped', 'Stopped', 100);
    }
    return this.describe(s);
  }

  private async stopStarted(lab: string, started: StartedSandbox): Promise<void> {
    const timeout = this.options.stopTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeout);
    });
    const result = await Promise.race([started.stop().then(() => 'ok' as const), timedOut]).catch((err: unknown) => {
      debug('stop() of %s threw: %O', lab, err);
      return 'error' as const;
    });
    clearTimeout(timer);
    if (result !== 'ok') debug('stop() of %s: %s after %d ms; killing its processes', lab, result, timeout);
    // Whatever stop() did, nothing the sandbox recorded may outlive it.
    const records = this.options.reaper.current().filter((r) => r.kind === 'sandbox' && r.lab === lab);
    await stopProcesses(records.flatMap((r) => targetsOf(r)));
    for (const r of records) this.options.reaper.release(r.pid);
  }

  /** When the data the lab's running sandbox holds began (ISO), or null when it is not running. */
  dataSince(lab: string): string | null {
    const s = this.sessions.get(lab);
    return s?.state === 'running' && s.dataSince ? s.dataSince : null;
  }

  /** Stops every sandbox: the runner's shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.keys()].map((lab) => this.stop(lab).catch(() => undefined)));
  }

  private emit(s: LabSession, phase: string, message: string, percent: number): void {
    const event: SessionEvent = {
      lab: s.lab,
      state: s.state,
      phase,
      message,
      percent,
      elapsedMs: Math.max(0, Date.now() - s.t0),
    };
    s.progress = event;
    for (const key of [s.lab, '*']) {
      for (const listener of this.listeners.get(key) ?? []) {
        try {
          listener(event);
        } catch (err) {
          debug('session listener threw: %O', err);
        }
      }
    }
  }

  private describe(s: LabSession): SessionStatus {
    return {
      lab: s.lab,
      state: s.state,
      sandbox: s.sandbox,
      services: s.state === 'running' && s.started ? { ...s.started.services } : {},
      envKeys: s.state === 'running' && s.started ? Object.keys(s.started.env).sort() : [],
      ...(s.persistence ? { persistence: { ...s.persistence } } : {}),
      ...(s.dataSince && s.state === 'running' ? { dataSince: s.dataSince } : {}),
      ...(s.startedAt ? { startedAt: s.startedAt } : {}),
      ...(s.progress ? { progress: s.progress } : {}),
      ...(s.error && s.state === 'failed' ? { error: s.error } : {}),
    };
  }
}

/**
 * When the data a sandbox holds now began: the epoch recorded in its data folder when the sandbox
 * restored that data, else `now` (it started empty), which is then recorded.
 */
function dataEpoch(dataDir: string, persistence: SandboxPersistence | undefined, now: string): string {
  const file = path.join(dataDir, 'data-since');
  if (persistence?.survivesRestart && persistence.restoredRequests > 0) {
    try {
      const kept = readFileSync(file, 'utf8').trim();
      if (!Number.isNaN(Date.parse(kept))) return kept;
    } catch {
      // no epoch recorded: treat the restored data as new
    }
  }
  writePrivateFile(file, now);
  return now;
}
