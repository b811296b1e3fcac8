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
 * The worker is kept at most POST_AHEAD bytes behind; what arrives meanwhile is held here, and
 * when it is posted, plain text that would scroll out of the scrollback anyway is skipped
 * (compact-output.ts). On a fast stream (`base64`, `yes`) the mirror then parses a small part of
 * the bytes and the replayed screen is the same as if it had parsed all of them.
 */
import { Worker } from 'node:worker_threads';
import createDebug from 'debug';
import { OutputCompactor } from './screen-mirror/compact-output.ts';

const debug = createDebug('dojo:runner:pty');

/** Bytes the worker may have queued before new output is held (and compacted) in the runner. */
const POST_AHEAD = 256 * 1024;

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
  private held: Buffer[] = [];
  private readonly scrollback: number;
  private readonly compactor: OutputCompactor;
  private readonly onParsed: (bytes: number) => void;
  cols: number;
  rows: number;

  constructor(options: ScreenMirrorOptions) {
    this.cols = options.cols;
    this.rows = options.rows;
    this.scrollback = options.scrollback;
    // Enough lines to refill the scrollback and a screen of the tallest size the protocol allows.
    this.compactor = new OutputCompactor(options.scrollback + 1000 + 2);
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
        if (this.held.length && this.posted < POST_AHEAD) this.postHeld();
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
      this.held = [];
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
    if (this.posted < POST_AHEAD && !this.held.length) {
      this.compactor.feed(data, false); // follows the escape-sequence state, skips nothing
      this.post(data);
    } else {
      this.held.push(data);
    }
  }

  private post(data: Buffer): void {
    this.posted += data.length;
    // A copy of exactly these bytes (a Buffer may view a larger pooled ArrayBuffer), moved, not cloned.
    const copy = new Uint8Array(data);
    this.worker.postMessage({ type: 'write', data: copy } satisfies MirrorRequest, [copy.buffer]);
  }

  /** Posts what was held, minus plain text the scrollback could not keep anyway. */
  private postHeld(): void {
    if (!this.held.length) return;
    const all = this.held.length === 1 ? (this.held[0] as Buffer) : Buffer.concat(this.held);
    this.held = [];
    const { data, skipped } = this.compactor.feed(all, true);
    if (skipped) {
      this.pending -= skipped;
      this.onParsed(skipped);
    }
    // The rest (data.length = all.length - skipped) is reported parsed by the worker.
    this.post(data);
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
    void this.worker.terminate();
    for (const resolve of this.waiting.values()) resolve('');
    this.waiting.clear();
  }
}
