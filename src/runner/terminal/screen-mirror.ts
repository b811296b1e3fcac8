/**
 * The server's copy of a terminal's screen, for replay on reconnect: a headless xterm fed the same
 * bytes as the browser, in a worker thread. Parsing every byte of a fast stream costs as much CPU
 * as the rest of the bridge together; on the runner's main thread it would slow the PTY's reads,
 * in a worker it runs beside them.
 *
 * `write` counts bytes as pending until the worker reports them parsed (`onParsed`), which is what
 * flow control needs to bound the queue. `serialize` resolves with the screen after everything
 * written before the call. If the worker dies the terminal keeps working; only replay is lost.
 */
import { Worker } from 'node:worker_threads';
import createDebug from 'debug';

const debug = createDebug('dojo:runner:pty');

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
  private readonly onParsed: (bytes: number) => void;
  cols: number;
  rows: number;

  constructor(options: ScreenMirrorOptions) {
    this.cols = options.cols;
    this.rows = options.rows;
    this.onParsed = options.onParsed;
    this.worker = new Worker(new URL('./screen-mirror/mirror-worker.ts', import.meta.url), {
      workerData: { cols: options.cols, rows: options.rows, scrollback: options.scrollback },
    });
    // A terminal's mirror never keeps the runner alive on its own.
    this.worker.unref();
    this.worker.on('message', (message: MirrorReply) => {
      if (message.type === 'parsed') {
        this.pending -= message.bytes;
        this.onParsed(message.bytes);
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
    // A copy of exactly these bytes (a Buffer may view a larger pooled ArrayBuffer), moved, not cloned.
    const copy = new Uint8Array(data);
    this.worker.postMessage({ type: 'write', data: copy } satisfies MirrorRequest, [copy.buffer]);
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    if (!this.broken) this.worker.postMessage({ type: 'resize', cols, rows } satisfies MirrorRequest);
  }

  /** The screen and scrollback as escape sequences that redraw it, after all writes so far. */
  serialize(): Promise<string> {
    if (this.broken) return Promise.resolve('');
    const id = this.nextId++;
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
