/**
 * The runner's terminals: at most one shell per lab, spawned on the first connection, kept while
 * the page reloads or the learner reads another tab, killed when the shell exits, when nobody has
 * been attached for `detachedTtlMs`, or on shutdown.
 *
 * A shell gets the sandbox's environment if the lab's session is running when it starts. When the
 * sandbox starts later (the page starts it while the learner reads, so this is the common case) and
 * nobody has typed into the shell yet, the shell is replaced by one with the sandbox's environment
 * and the page re-attached to it. A shell somebody has used is never replaced: its environment
 * cannot change under it, so the page gets a notice instead (type `exit` for a fresh shell).
 */
import createDebug from 'debug';
import type { WebSocket } from 'ws';
import { ensureWorkspace } from '../../labs/lab-workspace.ts';
import { loadLab } from '../../labs/load-labs.ts';
import type { Reaper } from '../reaper.ts';
import type { SessionManager } from '../session-manager.ts';
import { changedVariables, sandboxChangedNotice } from './sandbox-change-notice.ts';
import { shellEnvironment, userShell } from './shell-environment.ts';
import { TerminalSession } from './terminal-session.ts';

const debug = createDebug('dojo:runner:terminal');

export interface TerminalManagerOptions {
  dojoHome: string;
  labsDir: string;
  sessions: SessionManager;
  reaper: Reaper;
  /** Kill a shell nobody has been attached to for this long (default 30 minutes). */
  detachedTtlMs?: number;
  /** The shell to run; $SHELL, bash or sh when omitted. */
  shell?: string;
  /** A shell silent this long after it started gets a notice on the page (tests shorten it). */
  slowStartMs?: number;
}

const yellow = (s: string) => `\x1b[33m${s}\x1b[0m`;

export class TerminalManager {
  private readonly options: TerminalManagerOptions;
  private readonly terminals = new Map<string, TerminalSession>();
  private readonly detachTimers = new Map<string, NodeJS.Timeout>();
  /** Attaches in progress, which a swap of the shell waits for. */
  private readonly attaching = new Map<string, Promise<void>>();
  private readonly replacing = new Set<string>();
  /** Two tabs opening the same lab at once must get one shell, not two. */
  private readonly spawning = new Map<string, Promise<TerminalSession>>();
  private readonly closeHandlers: (() => void)[] = [];
  private closed = false;
  /** The sandbox variables each shell was started with, to tell when a restarted sandbox differs. */
  private readonly shellSandboxEnv = new WeakMap<TerminalSession, Record<string, string>>();
  private readonly noticed = new WeakMap<TerminalSession, string>();

  constructor(options: TerminalManagerOptions) {
    this.options = options;
    const unsubscribe = options.sessions.subscribe('*', (event) => {
      const terminal = this.terminals.get(event.lab);
      if (!terminal) return;
      if (event.state === 'running' && terminal.sandbox === 'not-started' && !terminal.hasHadInput) {
        void this.replaceForSandbox(event.lab, terminal).catch((err: unknown) =>
          debug('replacing the shell of %s failed: %O', event.lab, err),
        );
      } else if (event.state === 'running' && terminal.sandbox === 'not-started') {
        terminal.notice(
          'The sandbox is running now. This shell started before it: type exit to get a shell with its environment.',
        );
      } else if (event.state === 'stopped' && terminal.sandbox === 'running') {
        terminal.notice('The sandbox stopped: the variables in this shell point at services that are gone.');
      } else if (event.state === 'running' && terminal.sandbox === 'running') {
        this.sandboxRestarted(event.lab, terminal);
      }
    });
    this.closeHandlers.push(unsubscribe);
  }

  /**
   * The sandbox started again while a shell made for an earlier run of it is open: if the new run
   * gives other values ($TF now tofu, another emulator port), an untouched shell is replaced and a
   * used one is told what changed, once per change.
   */
  private sandboxRestarted(lab: string, terminal: TerminalSession): void {
    const now = this.options.sessions.environment(lab);
    const had = this.shellSandboxEnv.get(terminal);
    if (!now || !had) return;
    const changed = changedVariables(had, now);
    const signature = changed.map((k) => `${k}=${now[k] ?? ''}`).join('\n');
    if (!changed.length || this.noticed.get(terminal) === signature) return;
    this.noticed.set(terminal, signature);
    if (!terminal.hasHadInput) {
      void this.replaceForSandbox(lab, terminal).catch((err: unknown) =>
        debug('replacing the shell of %s failed: %O', lab, err),
      );
      return;
    }
    terminal.notice(sandboxChangedNotice(had, now, changed));
  }

  /** The lab's running shell, if any (tests read its stats). */
  get(lab: string): TerminalSession | undefined {
    return this.terminals.get(lab);
  }

  /** Runs `fn` when the manager closes (the routes stop their heartbeat timer this way). */
  onClose(fn: () => void): void {
    this.closeHandlers.push(fn);
  }

  /** Attaches `ws` to the lab's shell, spawning it first if there is none. */
  async attach(lab: string, ws: WebSocket, size: { cols: number; rows: number } | undefined): Promise<TerminalSession> {
    if (this.closed) throw new Error('the runner is shutting down');
    let terminal = this.terminals.get(lab);
    if (!terminal || terminal.isExited) {
      const spawning = this.spawning.get(lab) ?? this.spawn(lab, size ?? { cols: 80, rows: 24 });
      this.spawning.set(lab, spawning);
      try {
        terminal = await spawning;
      } finally {
        this.spawning.delete(lab);
      }
      if (this.closed) {
        await terminal.kill();
        throw new Error('the runner is shutting down');
      }
      this.terminals.set(lab, terminal);
    }
    const timer = this.detachTimers.get(lab);
    if (timer) clearTimeout(timer);
    this.detachTimers.delete(lab);
    const attaching = terminal.attach(ws, size);
    this.attaching.set(lab, attaching);
    try {
      await attaching;
    } finally {
      if (this.attaching.get(lab) === attaching) this.attaching.delete(lab);
      // The socket may have closed (or lost to a newer one) while the shell started: a shell nobody
      // is attached to must still get the idle timeout, or it would live until the runner stops.
      this.scheduleReap(lab, terminal);
    }
    // The sandbox may have become ready while this shell was starting, too late for the swap.
    if (terminal.sandbox === 'not-started' && !terminal.hasHadInput && this.options.sessions.environment(lab)) {
      void this.replaceForSandbox(lab, terminal).catch((err: unknown) =>
        debug('replacing the shell of %s failed: %O', lab, err),
      );
    }
    return terminal;
  }

  /** Called when a client's socket closes: starts the countdown to killing an unattended shell. */
  detach(lab: string, ws: WebSocket): void {
    const terminal = this.terminals.get(lab);
    if (!terminal) return;
    terminal.detach(ws);
    this.scheduleReap(lab, terminal);
  }

  /** Kills `terminal` after detachedTtlMs unless a client attaches first. */
  private scheduleReap(lab: string, terminal: TerminalSession): void {
    if (terminal.hasClient || this.closed) return;
    const ttl = this.options.detachedTtlMs ?? 30 * 60_000;
    const previous = this.detachTimers.get(lab);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.detachTimers.delete(lab);
      if (this.terminals.get(lab) === terminal && !terminal.hasClient) {
        debug('%s: nobody attached for %d ms, killing pid %d', lab, ttl, terminal.pid);
        void terminal.kill();
      }
    }, ttl);
    timer.unref();
    this.detachTimers.set(lab, timer);
  }

  /** Swaps an untouched shell for one with the sandbox's environment, keeping the page attached. */
  private async replaceForSandbox(lab: string, old: TerminalSession): Promise<void> {
    if (this.closed || this.spawning.has(lab) || this.replacing.has(lab)) return;
    this.replacing.add(lab);
    try {
      // An attach in progress must finish first: its socket would otherwise be attached to the old
      // shell after it was released, and get "the shell exited" or nothing at all.
      await this.attaching.get(lab)?.catch(() => undefined);
      if (this.closed || this.spawning.has(lab) || this.terminals.get(lab) !== old || old.hasHadInput) return;
      await this.swapShell(lab, old);
    } finally {
      this.replacing.delete(lab);
    }
  }

  private async swapShell(lab: string, old: TerminalSession): Promise<void> {
    const size = old.size;
    const ws = old.releaseClient();
    this.terminals.delete(lab);
    const spawning = this.spawn(lab, size);
    this.spawning.set(lab, spawning);
    let fresh: TerminalSession;
    try {
      fresh = await spawning;
    } finally {
      this.spawning.delete(lab);
    }
    this.terminals.set(lab, fresh);
    await old.kill(500);
    if (ws && ws.readyState === ws.OPEN) await fresh.attach(ws, size);
    else this.scheduleReap(lab, fresh);
  }

  private async spawn(lab: string, size: { cols: number; rows: number }): Promise<TerminalSession> {
    // Seed the workspace from the lab's starter first: the shell's cwd must be the folder that stays.
    const workspace = await ensureWorkspace(await loadLab(this.options.labsDir, lab), this.options.dojoHome);
    const sandboxEnv = this.options.sessions.environment(lab);
    const banner = sandboxEnv
      ? `${yellow(`[dojo] Sandbox running: this shell has its environment (${Object.keys(sandboxEnv).sort().join(', ') || 'no variables'}).`)}\r\n`
      : `${yellow('[dojo] The sandbox for this lab is not started: tools in this shell do not point at it yet. Start it on the lab page, then type exit for a shell with its environment.')}\r\n`;
    const shell = this.options.shell ?? userShell();
    const session = new TerminalSession({
      lab,
      shell,
      cwd: workspace,
      env: shellEnvironment(lab, workspace, sandboxEnv),
      cols: size.cols,
      rows: size.rows,
      sandbox: sandboxEnv ? 'running' : 'not-started',
      banner,
      reaper: this.options.reaper,
      ...(this.options.slowStartMs !== undefined ? { slowStartMs: this.options.slowStartMs } : {}),
      onExit: (session) => {
        if (this.terminals.get(lab) === session) this.terminals.delete(lab);
      },
    });
    if (sandboxEnv) this.shellSandboxEnv.set(session, sandboxEnv);
    return session;
  }

  /** Kills every shell (the routes' close handler has already closed the sockets with 1001). */
  async close(): Promise<void> {
    this.closed = true;
    for (const fn of this.closeHandlers.splice(0)) fn();
    for (const timer of this.detachTimers.values()) clearTimeout(timer);
    this.detachTimers.clear();
    const all = [...this.terminals.values()];
    this.terminals.clear();
    await Promise.all(all.map((t) => t.kill()));
  }
}
