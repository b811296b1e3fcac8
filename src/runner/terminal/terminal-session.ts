/**
 * One lab's shell: a PTY, a server-side mirror of its screen, and at most one attached browser.
 *
 * The PTY outlives the WebSocket: a page reload re-attaches to the same shell and gets its screen
 * back, serialized from a headless xterm fed the very bytes the browser got. Attaching pauses the
 * PTY, waits until the mirror has parsed everything, sends the serialized screen and only then
 * lets live output flow, so nothing is lost or shown twice.
 *
 * Output path: PTY bytes → batch → one binary frame to the client and one write to the mirror,
 * sent at once after a quiet spell (keystroke echo) or every few ms while output streams (or per
 * FLOW.maxBatchBytes). FlowControl pauses the PTY when unacknowledged, batched or unparsed bytes
 * pass the high watermark. Lifecycle: spawned by TerminalManager → attached/detached any number of
 * times → exits (the shell ends) or is killed (runner shutdown, or detached for too long).
 */
import { spawn, type IPty } from '@lydell/node-pty';
import createDebug from 'debug';
import { WebSocket } from 'ws';
import { CLOSE, FLOW, type ClientMessage, type ServerMessage } from '../../shared/terminal-protocol.ts';
import { stopProcesses, targetsOf, type Reaper } from '../reaper.ts';
import { processInfo } from '../../sandbox/process-table.ts';
import { FlowControl, type FlowCounts } from './flow-control.ts';
import { closeReason } from './close-reason.ts';
import { ScreenMirror } from './screen-mirror.ts';
const debug = createDebug('dojo:runner:pty');
/** Output arriving within this many ms of the last frame is a stream, not an echo. */
const STREAM_GAP_MS = 10;
/** How long a stream's output is coalesced before it is sent. */
const STREAM_DELAY_MS = 4;

export interface TerminalSessionOptions {
  lab: string;
  shell: string;
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  sandbox: 'running' | 'not-started';
  /** Printed before the shell's own output (and kept in the replayed screen). */
  banner: string;
  reaper: Reaper;
  /** Lines of history kept on the server and replayed on reconnect. */
  scrollback?: number;
  onExit: (session: TerminalSession) => void;
}

export interface TerminalStats {
  pid: number;
  attached: boolean;
  paused: boolean;
  counts: FlowCounts;
  /** The most bytes ever held in the runner's buffers at once. */
  peak: number;
  high: number;
}

export class TerminalSession {
  readonly lab: string;
  readonly pid: number;
  readonly sandbox: 'running' | 'not-started';
  private readonly pty: IPty;
  private readonly mirror: ScreenMirror;
  private readonly flow: FlowControl;
  private readonly reaper: Reaper;
  private readonly scrollback: number;
  private readonly onExit: (session: TerminalSession) => void;
  private client: WebSocket | null = null;
  private typed = false;
  private attachGeneration = 0;
  private batch: Buffer[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushImmediate: NodeJS.Immediate | null = null;
  private lastFlush = 0;
  private inputSinceFlush = false;
  private exitInfo: { code: number; signal?: number } | null = null;
  private readonly exited: Promise<void>;
  private resolveExited: () => void = () => undefined;

  constructor(options: TerminalSessionOptions) {
    this.lab = options.lab;
    this.sandbox = options.sandbox;
    this.reaper = options.reaper;
    this.onExit = options.onExit;
    this.scrollback = options.scrollback ?? 5000;
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    // encoding: null hands us raw bytes: no UTF-8 decode here and encode again for the socket.
    this.pty = spawn(options.shell, [], {
      name: 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      env: options.env,
      encoding: null,
    });
    this.pid = this.pty.pid;
    this.reaper.record(this.pid, 'pty', this.lab, options.shell);
    this.flow = new FlowControl((pause) => {
      debug('%s pid %d %s (%o)', this.lab, this.pid, pause ? 'paused' : 'resumed', this.flow.counts);
      if (pause) this.pty.pause();
      else this.pty.resume();
    });
    this.mirror = new ScreenMirror({
      cols: options.cols,
      rows: options.rows,
      scrollback: this.scrollback,
      onParsed: (bytes) => this.flow.remove('mirror', bytes),
    });
    if (options.banner) this.output(Buffer.from(options.banner));
    this.pty.onData((data: string | Buffer) => this.output(typeof data === 'string' ? Buffer.from(data) : data));
    this.pty.onExit(({ exitCode, signal }) => this.handleExit(exitCode, signal));
    debug('spawned %s for %s: pid %d in %s', options.shell, this.lab, this.pid, options.cwd);
  }

  get isExited(): boolean {
    return this.exitInfo !== null;
  }

  stats(): TerminalStats {
    return {
      pid: this.pid,
      attached: this.client !== null,
      paused: this.flow.isPaused,
      counts: { ...this.flow.counts },
      peak: this.flow.peak,
      high: this.flow.high,
    };
  }

  private output(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    this.batch.push(chunk);
    this.flow.add('batch', n);
    if (this.flow.counts.batch >= FLOW.maxBatchBytes) {
      this.flush();
      return;
    }
    if (this.flushTimer !== null || this.flushImmediate !== null) return;
    // Interactive output (the echo of a keystroke, the first output after a quiet spell) goes out
    // this very event-loop turn; a stream (a build log, `yes`) is coalesced for a few ms into
    // fewer, larger frames, which costs far less per byte in the runner, on the wire and in the browser.
    if (this.inputSinceFlush || performance.now() - this.lastFlush > STREAM_GAP_MS) {
      this.flushImmediate = setImmediate(() => this.flush());
    } else {
      this.flushTimer = setTimeout(() => this.flush(), STREAM_DELAY_MS);
    }
  }

  /** Sends the batch as one frame and feeds it to the mirror. */
  private flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    if (this.flushImmediate !== null) clearImmediate(this.flushImmediate);
    this.flushTimer = null;
    this.flushImmediate = null;
    if (this.batch.length === 0) return;
    this.lastFlush = performance.now();
    this.inputSinceFlush = false;
    const data = this.batch.length === 1 ? (this.batch[0] as Buffer) : Buffer.concat(this.batch);
    this.batch = [];
    const n = data.length;
    this.flow.add('mirror', n);
    this.mirror.write(data);
    const client = this.client;
    if (client && client.readyState === WebSocket.OPEN) {
      this.flow.add('client', n);
      client.send(data, { binary: true });
    }
    this.flow.remove('batch', n);
  }

  private send(ws: WebSocket, message: ServerMessage): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  /**
   * Makes `ws` the one client of this shell: replaces any previous one (closed with CLOSE.replaced),
   * sends `attached` and the serialized screen, then streams live output.
   */
  async attach(ws: WebSocket, size?: { cols: number; rows: number }): Promise<void> {
    if (this.exitInfo) throw new Error('the shell has exited');
    const generation = ++this.attachGeneration;
    const previous = this.client;
    this.detachClient();
    if (previous && previous !== ws && previous.readyState === WebSocket.OPEN) {
      previous.close(CLOSE.replaced, 'this terminal was opened in another tab or window');
    }
    const release = this.flow.hold();
    try {
      // Output read before the pause goes to the mirror (no client now), so the replay includes it.
      this.flush();
      if (size && (size.cols !== this.mirror.cols || size.rows !== this.mirror.rows)) this.resize(size.cols, size.rows);
      // The screen after everything written so far; the PTY is paused, so nothing can slip in between.
      const screen = await this.mirror.serialize();
      if (generation !== this.attachGeneration || this.exitInfo || ws.readyState !== WebSocket.OPEN) return;
      this.send(ws, {
        type: 'attached',
        lab: this.lab,
        pid: this.pid,
        resumed: previous !== null || this.attachGeneration > 1,
        sandbox: this.sandbox,
        cols: this.mirror.cols,
        rows: this.mirror.rows,
      });
      this.client = ws;
      if (screen) {
        const bytes = Buffer.from(screen);
        this.flow.add('client', bytes.length);
        ws.send(bytes, { binary: true });
      }
    } finally {
      release();
    }
  }

  /** Forgets `ws` if it is the current client; the shell keeps running for the next attach. */
  detach(ws: WebSocket): void {
    if (this.client === ws) this.detachClient();
  }

  get hasClient(): boolean {
    return this.client !== null;
  }

  /** Whether anybody has typed into this shell yet (an untouched shell can be replaced silently). */
  get hasHadInput(): boolean {
    return this.typed;
  }

  /** The current size, for a replacement shell. */
  get size(): { cols: number; rows: number } {
    return { cols: this.mirror.cols, rows: this.mirror.rows };
  }

  /** Detaches the current client without closing its socket and returns it (to attach elsewhere). */
  releaseClient(): WebSocket | null {
    const ws = this.client;
    this.detachClient();
    return ws;
  }

  private detachClient(): void {
    this.client = null;
    this.flow.resetClient();
  }

  handle(ws: WebSocket, message: ClientMessage): void {
    if (ws !== this.client || this.exitInfo) return;
    switch (message.type) {
      case 'input':
        this.inputSinceFlush = true;
        this.typed = true;
        this.pty.write(message.data);
        break;
      case 'resize':
        this.resize(message.cols, message.rows);
        break;
      case 'ack':
        this.flow.remove('client', message.bytes);
        break;
    }
  }

  notice(message: string): void {
    if (this.client) this.send(this.client, { type: 'notice', message });
  }

  private resize(cols: number, rows: number): void {
    try {
      this.pty.resize(cols, rows);
      this.mirror.resize(cols, rows);
    } catch (err) {
      debug('resize of pid %d failed: %O', this.pid, err);
    }
  }

  private handleExit(code: number, signal?: number): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, ...(signal ? { signal } : {}) };
    debug('%s pid %d exited with %d (signal %s)', this.lab, this.pid, code, signal);
    this.flush();
    const client = this.client;
    if (client) {
      this.send(client, { type: 'exit', code, ...(signal ? { signal } : {}) });
      if (client.readyState === WebSocket.OPEN) client.close(CLOSE.shellExited, closeReason('the shell exited'));
    }
    this.client = null;
    // Jobs the shell left behind (`nohup cmd &`) belong to this terminal: stop them with it.
    const record = this.reaper.current().find((r) => r.pid === this.pid);
    const leftovers = record ? targetsOf(record) : [];
    void stopProcesses(leftovers).finally(() => this.reaper.release(this.pid));
    this.mirror.dispose();
    this.resolveExited();
    this.onExit(this);
  }

  /** Ends the shell and everything it started: SIGHUP (a terminal hang-up), then SIGKILL after a grace period. */
  async kill(graceMs = 2000): Promise<void> {
    if (this.exitInfo) return this.exited;
    const record = this.reaper.current().find((r) => r.pid === this.pid);
    this.pty.kill('SIGHUP');
    const timer = setTimeout(() => {
      if (this.exitInfo) return;
      debug('pid %d ignored SIGHUP for %d ms: SIGKILL', this.pid, graceMs);
      const targets = record ? targetsOf(record) : [];
      const self = processInfo(this.pid);
      void stopProcesses(self ? [self, ...targets] : targets, 0);
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    if (record) await stopProcesses(targetsOf(record), graceMs);
  }
}
