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
 * pass the high watermark, or when the socket itself stops draining (a client that acks output it
 * never reads cannot make the runner buffer without bound).
 *
 * Input path: client message → PtyInput (bounded queue, non-blocking writes only as fast as the
 * shell reads) → `inputAck` to the client once written. The runner's event loop never waits on the PTY. Lifecycle: spawned by TerminalManager → attached/detached any number of
 * times → exits (the shell ends) or is killed (runner shutdown, or detached for too long).
 */
import { randomBytes } from 'node:crypto';
import { spawn, type IPty } from '@lydell/node-pty';
import createDebug from 'debug';
import { WebSocket } from 'ws';
import { CLOSE, FLOW, type ClientMessage, type ServerMessage } from '../../shared/terminal-protocol.ts';
import { stopProcesses, targetsOf, TERMINAL_MARKER, type Reaper } from '../reaper.ts';
import { processInfo } from '../../sandbox/process-table.ts';
import { FlowControl, type FlowCounts } from './flow-control.ts';
import { FrameBuffers } from './frame-buffers.ts';
import { closeReason } from './close-reason.ts';
import { setCloseOnExec, setNonBlocking } from './close-on-exec.ts';
import { PtyInput } from './pty-input.ts';
import { ScreenMirror } from './screen-mirror.ts';
import { slowStartCause } from './slow-start-cause.ts';
const debug = createDebug('dojo:runner:pty');
/** DEBUG=dojo:runner:flow prints each shell's flow-control counts every 2 s (a stall shows here). */
const debugFlow = createDebug('dojo:runner:flow');
/** Output arriving within this many ms of the last frame is a stream, not an echo. */
const STREAM_GAP_MS = 10;
/**
 * How long a stream's output is coalesced before it is sent. bench:terminal (paired rounds against
 * wetty, whose server waits 2 ms too): 4 ms gave 0.90-0.93 of wetty's throughput in three runs at
 * the same CPU per MB; 2 ms gave 0.96-1.06 in six runs of 9 rounds and 1.04-1.07 in three of 15;
 * 1 ms 1.01-1.03 in two (PTY reads go on while a batch waits, and the PTY was never paused; what
 * the longer wait costs is not established). README "Terminal benchmark" has the figures.
 */
const STREAM_DELAY_MS = 2;
/**
 * A shell that has printed nothing (no prompt) this long after it started gets a notice on the page:
 * an rc file is slow (a pyenv or nvm init, a stale lock it waits on), and a blank terminal says nothing.
 */
const SLOW_START_MS = 5000;

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
  /** Say so on the page when the shell has printed nothing for this long (default SLOW_START_MS). */
  slowStartMs?: number;
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
  /** Input bytes waiting for the shell, and the most ever. */
  inputQueued: number;
  inputPeak: number;
  /** Whether the PTY master fd is close-on-exec (no later child inherits it). */
  closeOnExec: boolean;
}

export class TerminalSession {
  readonly lab: string;
  readonly pid: number;
  readonly sandbox: 'running' | 'not-started';
  private readonly pty: IPty;
  private readonly mirror: ScreenMirror;
  private readonly flow: FlowControl;
  private readonly input: PtyInput;
  /** The random value of TERMINAL_MARKER in this shell's environment (the reaper's identity check). */
  readonly marker: string;
  private readonly closeOnExec: boolean;
  /** Bumped when the client changes: socket-drain callbacks of an old client are ignored. */
  private clientGeneration = 0;
  private inputDropped = 0;
  private readonly reaper: Reaper;
  private readonly scrollback: number;
  private readonly onExit: (session: TerminalSession) => void;
  private client: WebSocket | null = null;
  private typed = false;
  private attachGeneration = 0;
  private batch: Buffer[] = [];
  private readonly frames = new FrameBuffers();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushImmediate: NodeJS.Immediate | null = null;
  private lastFlush = 0;
  private inputSinceFlush = false;
  private exitInfo: { code: number; signal?: number } | null = null;
  private readonly shell: string;
  /** The shell's environment: where its start-up files look (HOME, PYENV_ROOT). */
  private readonly shellEnv: Readonly<Record<string, string>>;
  private readonly startedAt = performance.now();
  /** Whether the shell has printed anything yet (its prompt, or its rc files' output). */
  private spoke = false;
  /** The slow-start notice, while the shell is still silent (sent again to a client that attaches then). */
  private slowStartNotice: string | null = null;
  private slowStartTimer: NodeJS.Timeout | null = null;
  /** Input typed while the shell was silent: the kernel echoes it, which is not the shell speaking. */
  private typedWhileSilent = '';
  private readonly exited: Promise<void>;
  private resolveExited: () => void = () => undefined;

  constructor(options: TerminalSessionOptions) {
    this.lab = options.lab;
    this.sandbox = options.sandbox;
    this.reaper = options.reaper;
    this.onExit = options.onExit;
    this.scrollback = options.scrollback ?? 5000;
    this.shell = options.shell;
    this.shellEnv = options.env;
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    this.marker = randomBytes(12).toString('hex');
    // encoding: null hands us raw bytes: no UTF-8 decode here and encode again for the socket.
    this.pty = spawn(options.shell, [], {
      name: 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      env: { ...options.env, [TERMINAL_MARKER]: this.marker },
      encoding: null,
    });
    this.pid = this.pty.pid;
    this.reaper.record(this.pid, 'pty', this.lab, options.shell, this.marker);
    // Before anything else can spawn: no later child (moto_server, scripts, the next shell) may inherit it.
    const fd = (this.pty as unknown as { fd: number }).fd;
    this.closeOnExec = setCloseOnExec(fd);
    // PtyInput writes on the event loop: the fd must answer EAGAIN, never block (node-pty sets it).
    if (!setNonBlocking(fd)) debug('could not confirm O_NONBLOCK on the PTY of pid %d', this.pid);
    if (!this.closeOnExec) debug('could not set FD_CLOEXEC on the PTY of pid %d: later children inherit it', this.pid);
    this.input = new PtyInput({
      fd,
      maxQueueBytes: FLOW.maxInputQueueBytes,
      onWritten: (chars) => {
        if (this.client) this.send(this.client, { type: 'inputAck', chars });
      },
    });
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
    this.pty.onData((data: string | Buffer) => {
      if (!this.spoke && !this.isEcho(data)) this.firstOutput();
      this.output(typeof data === 'string' ? Buffer.from(data) : data);
      // The shell printed: it is running, likely reading; queued input may go in now.
      if (this.input.queuedBytes) this.input.pump();
    });
    this.pty.onExit(({ exitCode, signal }) => this.handleExit(exitCode, signal));
    const slowStartMs = options.slowStartMs ?? SLOW_START_MS;
    this.slowStartTimer = setTimeout(() => this.slowStart(slowStartMs), slowStartMs);
    this.slowStartTimer.unref();
    debug('spawned %s for %s: pid %d in %s', options.shell, this.lab, this.pid, options.cwd);
    if (debugFlow.enabled) {
      const timer = setInterval(() => {
        if (this.exitInfo) return clearInterval(timer);
        debugFlow('pid %d %o input %d', this.pid, this.stats(), this.input.queuedBytes);
      }, 2000);
      timer.unref();
    }
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
      inputQueued: this.input.queuedBytes,
      inputPeak: this.input.peak,
      closeOnExec: this.closeOnExec,
    };
  }

  /** No output yet after `ms`: the page says why the terminal is blank and how to find the cause. */
  private slowStart(ms: number): void {
    this.slowStartTimer = null;
    if (this.spoke || this.exitInfo) return;
    const name = this.shell.split('/').pop() ?? this.shell;
    const cause = slowStartCause(this.shellEnv);
    this.slowStartNotice = `No prompt after ${Math.round(ms / 1000)} s: ${name} is still running its start-up files (~/.${name}rc and what it sources). ${cause ?? `Once it is up, \`time ${name} -ic exit\` shows how long they take.`}`;
    this.notice(this.slowStartNotice);
  }

  /**
   * Whether output from a silent shell is only the terminal echoing what was typed meanwhile (the
   * PTY is in cooked mode until the shell's line editor starts: "\r" comes back as "\r\n").
   */
  private isEcho(data: string | Buffer): boolean {
    if (!this.typedWhileSilent) return false;
    const text = (typeof data === 'string' ? data : data.toString('latin1')).replace(/\r\n/g, '\r');
    if (!this.typedWhileSilent.startsWith(text)) return false;
    this.typedWhileSilent = this.typedWhileSilent.slice(text.length);
    return true;
  }

  private firstOutput(): void {
    this.spoke = true;
    this.typedWhileSilent = '';
    if (this.slowStartTimer) clearTimeout(this.slowStartTimer);
    this.slowStartTimer = null;
    if (this.slowStartNotice === null) return;
    this.slowStartNotice = null;
    const seconds = ((performance.now() - this.startedAt) / 1000).toFixed(1);
    this.notice(
      `The shell took ${seconds} s to start: its start-up files are slow (\`time ${this.shell.split('/').pop() ?? 'bash'} -ic exit\` shows how slow).`,
    );
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
    let n = 0;
    for (const chunk of this.batch) n += chunk.length;
    // A batch of one read goes out as it is; several are joined in a reused buffer (frame-buffers.ts).
    const joined = this.batch.length === 1 ? null : this.frames.join(this.batch, n);
    const data = joined ? joined.subarray(0, n) : (this.batch[0] as Buffer);
    this.batch = [];
    this.flow.add('mirror', n);
    this.mirror.write(data); // copies what it keeps
    const client = this.client;
    const release = joined ? () => this.frames.release(joined) : undefined;
    if (client && client.readyState === WebSocket.OPEN) this.sendOutput(client, data, release);
    else release?.();
    this.flow.remove('batch', n);
  }

  /**
   * Sends output to the client, counted twice: as unacknowledged (until the client acks it) and
   * as unsent (until the socket has handed it to the kernel). A client may ack without reading;
   * the second count still grows then, and pauses the PTY.
   */
  private sendOutput(ws: WebSocket, data: Buffer, release?: () => void): void {
    const n = data.length;
    const generation = this.clientGeneration;
    this.flow.add('client', n);
    this.flow.add('socket', n);
    // The callback runs once the socket no longer needs `data` (written, or failed): only then
    // may its buffer be reused.
    ws.send(data, { binary: true }, () => {
      release?.();
      if (generation === this.clientGeneration) this.flow.remove('socket', n);
    });
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
      if (generation !== this.attachGeneration && ws.readyState === WebSocket.OPEN) {
        // Two connections at once: the later one takes the shell, the earlier is told why it lost it.
        ws.close(CLOSE.replaced, 'this terminal was opened in another tab or window');
        return;
      }
      if (this.exitInfo || ws.readyState !== WebSocket.OPEN) return;
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
      if (screen) this.sendOutput(ws, Buffer.from(screen));
      if (this.slowStartNotice) this.notice(this.slowStartNotice);
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
    this.clientGeneration++;
    this.flow.resetClient();
  }

  handle(ws: WebSocket, message: ClientMessage): void {
    if (ws !== this.client || this.exitInfo) return;
    switch (message.type) {
      case 'input':
        this.inputSinceFlush = true;
        this.typed = true;
        if (!this.spoke && this.typedWhileSilent.length < 64 * 1024) this.typedWhileSilent += message.data;
        if (this.input.push(message.data)) {
          this.inputDropped = 0;
        } else {
          // Only a client that ignores the input window gets here (the page waits for inputAck).
          if (this.inputDropped === 0) {
            this.notice(
              `Input dropped: more than ${FLOW.maxInputQueueBytes / 1024} KiB were waiting for the shell, which is not reading. Paste again once it is.`,
            );
          }
          this.inputDropped += message.data.length;
        }
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
    if (this.slowStartTimer) clearTimeout(this.slowStartTimer);
    debug('%s pid %d exited with %d (signal %s)', this.lab, this.pid, code, signal);
    this.flush();
    const client = this.client;
    if (client) {
      this.send(client, { type: 'exit', code, ...(signal ? { signal } : {}) });
      if (client.readyState === WebSocket.OPEN) client.close(CLOSE.shellExited, closeReason('the shell exited'));
    }
    this.client = null;
    this.clientGeneration++;
    this.input.dispose();
    // Jobs the shell left behind (`nohup cmd &`, `setsid cmd`) belong to this terminal: stop them with it.
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
