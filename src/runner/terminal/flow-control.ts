/**
 * Decides when the PTY must pause: wetty's FlowControlServer, extended to every place output can
 * pile up in the runner. Bytes are counted when they enter a buffer and uncounted when they leave:
 *
 * - `client`: sent to the browser but not yet acknowledged (includes the socket's own buffer);
 * - `socket`: handed to the WebSocket but not yet written to the kernel (a client that acks
 *   without reading empties `client` but not this: the runner's memory stays bounded anyway);
 * - `batch`: read from the PTY, waiting for the next frame;
 * - `mirror`: handed to the server-side headless terminal but not yet parsed by it.
 *
 * Pause when client + batch (or socket alone) pass the high watermark, or the mirror its own (larger: it parses at
 * low priority and catches up after a burst), or while a client is being attached, so that the
 * replayed screen and the live stream cannot overlap; resume when every buffer is back under its
 * low watermark. The hysteresis keeps a fast producer from flapping pause/resume on every chunk.
 */
import { FLOW } from '../../shared/terminal-protocol.ts';

export interface FlowCounts {
  client: number;
  socket: number;
  batch: number;
  mirror: number;
}

export class FlowControl {
  readonly high: number;
  readonly low: number;
  readonly mirrorHigh: number;
  readonly mirrorLow: number;
  readonly counts: FlowCounts = { client: 0, socket: 0, batch: 0, mirror: 0 };
  private holds = 0;
  private paused = false;
  /** Largest total ever held, for tests and the debug log. */
  peak = 0;
  private readonly apply: (pause: boolean) => void;

  constructor(
    apply: (pause: boolean) => void,
    {
      high = FLOW.highWatermark,
      low = FLOW.lowWatermark,
      mirrorHigh = FLOW.mirrorHighWatermark,
      mirrorLow = FLOW.mirrorLowWatermark,
    } = {},
  ) {
    this.apply = apply;
    this.high = high;
    this.low = low;
    this.mirrorHigh = mirrorHigh;
    this.mirrorLow = mirrorLow;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  add(kind: keyof FlowCounts, bytes: number): void {
    this.counts[kind] += bytes;
    this.peak = Math.max(this.peak, this.total());
    this.update();
  }

  remove(kind: keyof FlowCounts, bytes: number): void {
    this.counts[kind] = Math.max(0, this.counts[kind] - bytes);
    this.update();
  }

  /** Forgets the client's unacknowledged and unsent bytes (it disconnected; they will never be acked). */
  resetClient(): void {
    this.counts.client = 0;
    this.counts.socket = 0;
    this.update();
  }

  /** Keeps the PTY paused until the returned release function is called. */
  hold(): () => void {
    this.holds++;
    this.update();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.update();
    };
  }

  /** Bytes held in the runner's own memory (unacked bytes already on the wire are not). */
  total(): number {
    return Math.max(this.counts.client, this.counts.socket) + this.counts.batch + this.counts.mirror;
  }

  private update(): void {
    const { client, socket, batch, mirror } = this.counts;
    const out = Math.max(client, socket) + batch;
    if (!this.paused && (this.holds > 0 || out >= this.high || mirror >= this.mirrorHigh)) {
      this.paused = true;
      this.apply(true);
    } else if (this.paused && this.holds === 0 && out < this.low && mirror < this.mirrorLow) {
      this.paused = false;
      this.apply(false);
    }
  }
}
