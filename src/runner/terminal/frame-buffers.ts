/**
 * Reusable buffers for the terminal's output frames.
 *
 * A streaming shell's output arrives in PTY reads of a few KiB, batched into frames of up to
 * FLOW.maxBatchBytes. Concatenating each batch into a new Buffer allocated as many bytes again as
 * the stream itself, and V8 counts every such backing store towards the limit that starts a full
 * mark-compact: on `npm run bench:terminal`'s floods that was a large share of the runner's GC.
 * A frame's buffer is in use only until the socket has handed it to the kernel (the send
 * callback), so a few are enough, allocated once per shell and reused.
 */
import { FLOW } from '../../shared/terminal-protocol.ts';

/** A batch ends at the first read that takes it past maxBatchBytes; a read is at most 64 KiB. */
export const FRAME_BYTES = FLOW.maxBatchBytes + 64 * 1024;
/** Buffers kept for reuse per shell (more are allocated while the socket is slow, then dropped). */
const KEEP = 4;

export class FrameBuffers {
  private readonly free: Buffer[] = [];

  /** A buffer holding the chunks back to back (the caller returns it with `release` once sent). */
  join(chunks: readonly Buffer[], length: number): Buffer {
    const target =
      length <= FRAME_BYTES ? (this.free.pop() ?? Buffer.allocUnsafeSlow(FRAME_BYTES)) : Buffer.allocUnsafeSlow(length);
    let at = 0;
    for (const c of chunks) {
      target.set(c, at);
      at += c.length;
    }
    return target;
  }

  /** Takes back a buffer from `join` whose bytes nobody reads any more. */
  release(buffer: Buffer): void {
    if (buffer.length === FRAME_BYTES && this.free.length < KEEP) this.free.push(buffer);
  }

  /** Buffers waiting for reuse (for tests). */
  get idle(): number {
    return this.free.length;
  }
}
