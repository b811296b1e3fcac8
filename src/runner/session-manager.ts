/**
 * Lab sessions: at most one running sandbox per lab, started and stopped through the API, with
 * progress events for the page and the environment for the lab's terminal.
 *
 * State per lab: stopped → starting → running → stopping → stopped, or starting → failed (the error
 * is kept until the next start). Every transition and every progress report of the sandbox is an
 * event (`SessionEvent`) delivered to subscribers (the SSE route, the terminal bridge). Nothing is
 * persisted except the reaper's pid records: a runner that restarts starts with every lab stopped
 * and reaps what the previous one left.
 */
import createDebug from 'debug';
import type { StartedSandbox } from '../sandbox/sandbox.ts';
import { ensureWorkspace } from '../labs/lab-workspace.ts';
import { loadLab, type LoadedLab } from '../labs/load-labs.ts';
import type { SessionEvent, SessionState, SessionStatus } from '../shared/session-events.ts';
import { Reaper, stopProcesses, targetsOf } from './reaper.ts';
import { checkStarted, loadSandbox, SandboxLoadError } from '../sandbox/load-sandbox.ts';

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
    return s?.state === 'running' && s.started ? { ...s.started.env } : null;
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
      started = checkStarted(
        session.sandbox,
        await sandbox.start({
          workspace,
          dojoHome: this.options.dojoHome,
          signal: abort.signal,
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
      session.state = 'running';
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
      ...(s.startedAt ? { startedAt: s.startedAt } : {}),
      ...(s.progress ? { progress: s.progress } : {}),
      ...(s.error && s.state === 'failed' ? { error: s.error } : {}),
    };
  }
}
