/**
 * The screen mirror's held output: one byte store of its own, reused for the terminal's lifetime.
 *
 * Why not keep the output Buffers themselves: held for up to a second, they outlive two young-
 * generation GCs and are promoted, and every promoted backing store (plus every `Buffer.concat`
 * of them) counts towards V8's old-generation/external limit. On a base64 flood that started a
 * full mark-compact every 300 ms in the runner (`--trace-gc`: 30 during `npm run bench:terminal`'s
 * five floods, against 12 without the mirror), and the GC helper threads took more CPU than the
 * whole bridge. Copying into a store that is allocated once costs a memcpy and no GC at all.
 */

/** What the store starts with; it grows by doubling to what flow control lets the mirror hold. */
const INITIAL_BYTES = 256 * 1024;

export class HeldOutput {
  // allocUnsafeSlow: a store of its own (offset 0), never a slice of Node's shared pool.
  private store: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private used = 0;

  get length(): number {
    return this.used;
  }

  /** Bytes allocated (for tests: the store is reused, not reallocated, once large enough). */
  get capacity(): number {
    return this.store.length;
  }

  append(data: Uint8Array): void {
    this.reserve(this.used + data.length);
    this.store.set(data, this.used);
    this.used += data.length;
  }

  /** The held bytes, as a view that is valid until the next append, replace or clear. */
  view(): Buffer {
    return this.store.subarray(0, this.used);
  }

  /**
   * Replaces the held bytes with `segments`: views of `view()` in increasing order, each starting
   * at or after where the previous one's copy ends (what OutputCompactor returns: skipped text
   * replaced by "\r\n"), plus small buffers of their own. Done in place, front to back, so no
   * segment is overwritten before it is copied.
   */
  replace(segments: readonly Buffer[]): void {
    let at = 0;
    for (const s of segments) {
      if (s.buffer === this.store.buffer) {
        const from = s.byteOffset;
        if (from < at)
          throw new Error(`HeldOutput.replace: a segment at ${from} would be overwritten (written up to ${at})`);
        if (from !== at) this.store.copyWithin(at, from, from + s.length);
      } else {
        this.store.set(s, at);
      }
      at += s.length;
    }
    this.used = at;
  }

  /** Copies the segments into a new array of exactly `length` bytes (to move to the worker). */
  static copy(segments: readonly Buffer[], length: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(length);
    let at = 0;
    for (const s of segments) {
      out.set(s, at);
      at += s.length;
    }
    return out;
  }

  clear(): void {
    this.used = 0;
  }

  private reserve(bytes: number): void {
    if (bytes <= this.store.length) return;
    let size = this.store.length;
    while (size < bytes) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.store.copy(bigger, 0, 0, this.used);
    this.store = bigger;
  }
}
