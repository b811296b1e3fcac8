/**
 * Input flow control: keystrokes and pastes go to the PTY only as fast as the shell takes them, and
 * the runner's event loop never waits for it.
 *
 * Why not `pty.write()`: node-pty writes through a libuv TTY handle that libuv marks as blocking
 * for a PTY master, while node-pty made the fd non-blocking; when the PTY's input buffer is full
 * libuv retries EAGAIN in a synchronous loop. The shell, meanwhile, is blocked echoing output that
 * the runner, stuck in that loop, no longer reads: a 32 KiB paste froze the whole runner for good
 * (issue 12). Here every write is one non-blocking write(2) of what the kernel will take now; the
 * rest waits in a bounded queue and is retried on a short timer (and whenever the shell prints,
 * a sign that it is reading). Written input is acknowledged to the client in the characters it
 * counted, so the page can pace a large paste (FLOW.inputWindowChars).
 *
 * Lifecycle: one per TerminalSession; `dispose()` when the shell exits drops what is queued.
 */
import { writeSync } from 'node:fs';
import createDebug from 'debug';

const debug = createDebug('dojo:runner:pty');

/** Retry delays (ms) while the PTY is full: quick at first, then a gentle poll. */
const RETRY_MS = [1, 2, 4, 8, 16, 25];

interface Pending {
  data: Buffer;
  offset: number;
  /** The characters of the client's message(s) this chunk carries, acked when it is fully written. */
  chars: number;
}

export interface PtyInputOptions {
  /** The PTY master, non-blocking (node-pty opens it so). */
  fd: number;
  /** Most bytes queued at once; input beyond it is dropped (and reported through `push`'s result). */
  maxQueueBytes: number;
  /** Called with the characters written since the last call. */
  onWritten: (chars: number) => void;
}

export class PtyInput {
  private readonly options: PtyInputOptions;
  private readonly queue: Pending[] = [];
  private queued = 0;
  private retry: NodeJS.Timeout | null = null;
  private attempt = 0;
  private disposed = false;
  /** The most bytes ever queued at once (tests read it). */
  peak = 0;

  constructor(options: PtyInputOptions) {
    this.options = options;
  }

  get queuedBytes(): number {
    return this.queued;
  }

  /** Queues `text` and writes what the PTY takes now; false when it does not fit the queue (dropped). */
  push(text: string): boolean {
    if (this.disposed) return false;
    const data = Buffer.from(text, 'utf8');
    if (this.queued + data.length > this.options.maxQueueBytes) return false;
    this.queue.push({ data, offset: 0, chars: text.length });
    this.queued += data.length;
    this.peak = Math.max(this.peak, this.queued);
    this.pump();
    return true;
  }

  /** Writes as much of the queue as the PTY accepts without blocking; schedules a retry for the rest. */
  pump(): void {
    if (this.disposed || this.queue.length === 0) return;
    let written = 0;
    let full = false;
    while (this.queue.length) {
      const head = this.queue[0] as Pending;
      let n: number;
      try {
        n = writeSync(this.options.fd, head.data, head.offset, head.data.length - head.offset);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
          full = true;
          break;
        }
        // EIO, EBADF: the shell is gone; what is queued can never be delivered.
        debug('input write to fd %d failed (%s): dropping %d queued bytes', this.options.fd, code, this.queued);
        this.drop();
        return;
      }
      if (n <= 0) {
        full = true;
        break;
      }
      head.offset += n;
      this.queued -= n;
      if (head.offset >= head.data.length) {
        this.queue.shift();
        written += head.chars;
      } else {
        full = true; // a partial write: the PTY's buffer is full now
        break;
      }
    }
    if (written) {
      this.attempt = 0;
      this.options.onWritten(written);
    }
    if (full) this.scheduleRetry();
    else this.clearRetry();
  }

  private scheduleRetry(): void {
    if (this.retry) return;
    const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)] as number;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.pump();
    }, delay);
    this.retry.unref();
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.attempt = 0;
  }

  private drop(): void {
    this.queue.length = 0;
    this.queued = 0;
    this.clearRetry();
  }

  dispose(): void {
    this.disposed = true;
    this.drop();
  }
}
