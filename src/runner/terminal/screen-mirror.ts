/**
 * The server's copy of a terminal's screen, for replay on reconnect: a headless xterm fed the same
 * bytes as the browser, in a worker thread. Parsing every byte of a fast stream costs as much CPU
 * as the rest of the bridge together; on the runner's main thread it would slow the PTY's reads,
 * in a worker it runs beside them.
 *
 * `write` counts bytes as pending until the worker reports them parsed (`onParsed`), which is what
 * flow control needs to bound the queue. `serialize` resolves with the screen after everything
 * written before the call. If the worker dies the terminal keeps working; only replay is lost.
 *
 * Output is held here until the terminal is quiet (QUIET_MS) and posted to the worker in one piece,
 * minus the plain text that would scroll out of the scrollback anyway (compact-output.ts). On a
 * fast stream (`base64`, `yes`) most bytes are therefore never parsed, and the replayed screen is
 * the same as if all of them had been. `serialize` and `resize` post what is held first, so
 * nothing written before them is missed.
 */
import { Worker } from 'node:worker_threads';
import createDebug from 'debug';
import { OutputCompactor } from './screen-mirror/compact-output.ts';
import { HeldOutput } from './screen-mirror/held-output.ts';

const debug = createDebug('dojo:runner:pty');

/**
 * Output is posted to the worker once the terminal has been quiet this long (the stream paused: a
 * prompt, a command waiting), so that a reconnect then finds the mirror parsed. While output keeps
 * coming nothing is posted by time: nothing reads the mirror but a reconnect (`serialize` posts what
 * is held first), and a flood compacts in place (compactHeld), so the worker parses one scrollback's
 * worth when the flood ends instead of one every second during it (it was HOLD_MS = 1000 before:
 * on bench:terminal's base64 floods the worker then parsed 2-3 scrollbacks per flood, CPU that the
 * producer, the socket and the browser share on a 2-core machine).
 */
const QUIET_MS = 250;
/**
 * Once this much is held, what can be skipped is skipped at once (compactHeld), so the held bytes
 * and flow control's count stay small; what cannot be skipped is posted as soon as the worker is
 * idle (flow control allows 4 MiB).
 */
const HOLD_BYTES = 2 * 1024 * 1024;

export type MirrorRequest =
  | { type: 'write'; data: Uint8Array }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'serialize'; id: number };

export type MirrorReply =
  { type: 'parsed'; bytes: number } | { type: 'serialized'; id: number; data: string; cols: number; rows: number };

export interface ScreenMirrorOptions {
  cols: number;
  rows: number;
  scrollback: number;
  /** Called with the byte count of each write once the worker has parsed it. */
  onParsed: (bytes: number) => void;
}

export class ScreenMirror {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (screen: string) => void>();
  private nextId = 1;
  private broken = false;
  /** Bytes written and not yet reported parsed: handed back at once if the worker dies. */
  private pending = 0;
  /** Of those, bytes posted to the worker (the rest are held). */
  private posted = 0;
  /** Output not yet posted, copied into a store of its own (held-output.ts says why). */
  private readonly held = new HeldOutput();
  /** Held bytes at which the next compactHeld runs. */
  private compactAt = HOLD_BYTES;
  private holdTimer: NodeJS.Timeout | null = null;
  /** When output last arrived (performance.now()). */
  private lastWrite = 0;
  /** Bytes ever posted to the worker (for tests: what it had to parse). */
  postedTotal = 0;
  private readonly scrollback: number;
  private readonly compactor: OutputCompactor;
  private readonly onParsed: (bytes: number) => void;
  cols: number;
  rows: number;

  constructor(options: ScreenMirrorOptions) {
    this.cols = options.cols;
    this.rows = options.rows;
    this.scrollback = options.scrollback;
    this.compactor = new OutputCompactor();
    this.onParsed = options.onParsed;
    this.worker = new Worker(new URL('./screen-mirror/mirror-worker.ts', import.meta.url), {
      workerData: { cols: options.cols, rows: options.rows, scrollback: options.scrollback },
    });
    // A terminal's mirror never keeps the runner alive on its own.
    this.worker.unref();
    this.worker.on('message', (message: MirrorReply) => {
      if (message.type === 'parsed') {
        this.pending -= message.bytes;
        this.posted -= message.bytes;
        this.onParsed(message.bytes);
        // The worker rests between posts: on a stream, another post right away would keep it
        // parsing scrollback-sized pieces back to back, a core's worth of CPU the producer and the
        // socket need (measured: a quarter of a core on a base64 flood). The next post waits for
        // the output to pause, unless much is held.
        if (this.posted === 0 && this.held.length >= HOLD_BYTES) {
          this.postHeld();
        } else if (this.posted === 0 && this.held.length > 0 && !this.holdTimer) {
          this.armHoldTimer();
        }
      } else {
        this.waiting.get(message.id)?.(message.data);
        this.waiting.delete(message.id);
      }
    });
    this.worker.on('error', (err) => {
      debug('screen mirror worker failed; reconnects will not replay the screen: %O', err);
      this.broken = true;
      const pending = this.pending;
      this.pending = 0;
      this.posted = 0;
      this.held.clear();
      if (pending) this.onParsed(pending);
      for (const resolve of this.waiting.values()) resolve('');
      this.waiting.clear();
    });
  }

  write(data: Buffer): void {
    if (this.broken) {
      queueMicrotask(() => this.onParsed(data.length));
      return;
    }
    this.pending += data.length;
    this.lastWrite = performance.now();
    this.held.append(data);
    if (this.held.length >= this.compactAt) {
      this.compactHeld();
      // Output that cannot be skipped (colours, cursor moves) goes to an idle worker now.
      if (this.held.length >= HOLD_BYTES && this.posted === 0) this.postHeld();
    }
    if (this.held.length > 0 && !this.holdTimer) this.armHoldTimer();
  }

  /** Posts what is held once the output has paused for QUIET_MS and the worker is idle. */
  private armHoldTimer(delay = QUIET_MS): void {
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      const quietFor = performance.now() - this.lastWrite;
      if (quietFor < QUIET_MS)
        this.armHoldTimer(QUIET_MS - quietFor); // still streaming
      else if (this.posted === 0) this.postHeld();
      else if (this.held.length > 0) this.armHoldTimer(); // the worker is still busy: look again later
    }, delay);
    this.holdTimer.unref();
  }

  /** Copies `segments` once into a buffer of its own and moves (not clones) it to the worker. */
  private post(segments: Buffer[], length: number): void {
    this.posted += length;
    this.postedTotal += length;
    const copy = HeldOutput.copy(segments, length);
    this.worker.postMessage({ type: 'write', data: copy } satisfies MirrorRequest, [copy.buffer]);
  }

  /**
   * The worker is still busy and much is held: skip what can be skipped now, so the held bytes (and
   * flow control's count) stay small. A copy of the compactor's state is used: the held bytes go
   * through the real one when posted (plain text does not change that state, so both agree).
   */
  private compactHeld(): void {
    const { segments, length, skipped } = this.compactor
      .clone()
      .feedSegments(this.held.view(), this.scrollback + this.rows + 2);
    if (skipped) this.held.replace(segments); // in place: the store is reused
    // Scan again only once the held bytes have doubled: output that cannot be skipped is not
    // rescanned on every chunk while the worker is busy.
    this.compactAt = Math.max(HOLD_BYTES, 2 * length);
    if (skipped) {
      this.pending -= skipped;
      this.onParsed(skipped);
    }
  }

  /** Posts what was held, minus plain text the scrollback could not keep anyway. */
  private postHeld(): void {
    if (this.held.length === 0) return;
    this.compactAt = HOLD_BYTES;
    // Lines that refill the scrollback and the screen at its current size (a resize posts first).
    const { segments, length, skipped } = this.compactor.feedSegments(
      this.held.view(),
      this.scrollback + this.rows + 2,
    );
    // The segments are views of the store: copy them out before it is reused.
    this.post(segments, length);
    this.held.clear();
    if (skipped) {
      this.pending -= skipped;
      this.onParsed(skipped);
    }
    // The rest (length = held - skipped) is reported parsed by the worker.
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    if (this.broken) return;
    this.postHeld(); // output before the resize is parsed at the old size, as in the browser
    this.worker.postMessage({ type: 'resize', cols, rows } satisfies MirrorRequest);
  }

  /** The screen and scrollback as escape sequences that redraw it, after all writes so far. */
  serialize(): Promise<string> {
    if (this.broken) return Promise.resolve('');
    const id = this.nextId++;
    this.postHeld();
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ type: 'serialize', id } satisfies MirrorRequest);
    });
  }

  dispose(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    void this.worker.terminate();
    for (const resolve of this.waiting.values()) resolve('');
    this.waiting.clear();
  }
}
