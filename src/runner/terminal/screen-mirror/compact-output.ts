/**
 * Lets the screen mirror skip text that can no longer be on the screen or in the scrollback.
 *
 * A long run of plain text (printable ASCII, tabs, CR, LF: `base64`, `yes`, a build log without
 * colours) that ends with at least `keepLines` more lines changes the terminal's state only through
 * those last lines: everything before them scrolls out of the scrollback, and plain text sets no
 * mode, colour or tab stop. So the part of the run before a line boundary ("\r\n", cursor at column
 * 0) that is followed by `keepLines` more lines of the same run can be replaced by "\r\n": the
 * headless terminal ends in exactly the state it would have reached by parsing it all (tested
 * against a full parse in test/unit/compact-output.test.ts).
 *
 * Two things make that false, and the compactor follows the byte stream to know them: a run that
 * starts inside an escape sequence ("\x1b[32m" has plain bytes after the ESC), and a scroll region
 * (DECSTBM): rows outside it never scroll, so what the run wrote there stays. Runs inside a
 * sequence are not plain text, and nothing is skipped while a scroll region is set.
 *
 * One per terminal: it keeps the parser state across writes (a sequence may span two).
 */

/** Bytes that change nothing but the text and the cursor's row/column. */
function plain(b: number): boolean {
  return (b >= 0x20 && b <= 0x7e) || b === 0x0a || b === 0x0d || b === 0x09;
}
/** `plain` as a table: the scan below runs over every byte of output, and a load beats four compares. */
const PLAIN = Uint8Array.from({ length: 256 }, (_, b) => (plain(b) ? 1 : 0));

const CRLF = Buffer.from('\r\n');

/**
 * Whether a 32-bit word of output may hold a byte that is not plain: one of 0x80-0xff, below 0x20
 * (tab, CR and LF among them: the caller looks at such a word byte by byte) or 0x7f. Four bytes
 * per test: the scan runs over every byte a flood prints, and on the runner's main thread
 * (bench:terminal's CPU profile: the byte-at-a-time loop was its largest JavaScript cost).
 */
function mayHoldNonPlain(x: number): boolean {
  const del = x ^ 0x7f7f7f7f; // a 0x7f byte becomes 0
  return ((x & 0x80808080) | ((x - 0x20202020) & ~x & 0x80808080) | ((del - 0x01010101) & ~del & 0x80808080)) !== 0;
}
const ESC = 0x1b;

/**
 * The end of the run of plain bytes that starts at `i`: the index of the first byte that is not
 * plain, or data.length. `words` is `data` as aligned 32-bit words from `wordStart` on.
 */
function plainRunEnd(data: Buffer, words: Int32Array, wordStart: number, i: number): number {
  const n = data.length;
  for (;;) {
    // Byte by byte up to the next word boundary.
    while (i < n && (i < wordStart || ((i - wordStart) & 3) !== 0)) {
      if (PLAIN[data[i] as number] !== 1) return i;
      i++;
    }
    let k = (i - wordStart) >> 2;
    if (i >= n || k >= words.length) break;
    while (k < words.length && !mayHoldNonPlain(words[k] as number)) k++;
    i = wordStart + k * 4;
    if (k >= words.length) break;
    // This word may hold a byte that is not plain (often only the CR and LF of a line end).
    for (const end = i + 4; i < end; i++) if (PLAIN[data[i] as number] !== 1) return i;
  }
  while (i < n && PLAIN[data[i] as number] === 1) i++;
  return i;
}

type State = 'ground' | 'esc' | 'escIntermediate' | 'csi' | 'string' | 'stringEsc';

export class OutputCompactor {
  private state: State = 'ground';
  /** CSI parameters and intermediates seen so far (to recognise DECSTBM and DECSTR). */
  private csi = '';
  private scrollRegion = false;
  private readonly minSkip: number;

  constructor(minSkip = 64 * 1024) {
    this.minSkip = minSkip;
  }

  /** A compactor in the same parser state (to compact bytes that will be fed again later). */
  clone(): OutputCompactor {
    const copy = new OutputCompactor(this.minSkip);
    copy.state = this.state;
    copy.csi = this.csi;
    copy.scrollRegion = this.scrollRegion;
    return copy;
  }

  /**
   * Follows `data` and, when `keepLines` > 0, returns it with each stretch of plain text that is
   * followed by at least `keepLines` lines replaced by "\r\n", and how many bytes fewer it has.
   */
  feed(data: Buffer, keepLines: number): { data: Buffer; skipped: number } {
    const { segments, skipped } = this.feedSegments(data, keepLines);
    return { data: segments.length === 1 ? (segments[0] as Buffer) : Buffer.concat(segments), skipped };
  }

  /**
   * `feed` without the final copy: the result as views of `data` (and "\r\n"), in order, for a
   * caller that copies them once into the buffer it sends on.
   */
  feedSegments(data: Buffer, keepLines: number): { segments: Buffer[]; length: number; skipped: number } {
    const compact = keepLines > 0;
    const n = data.length;
    // The data as aligned 32-bit words, for the plain-run scan (a typed array needs an offset that is
    // a multiple of 4): words[k] holds bytes wordStart + 4k .. + 3.
    const wordStart = (4 - (data.byteOffset & 3)) & 3;
    const words = new Int32Array(
      data.buffer,
      data.byteOffset + Math.min(wordStart, n),
      Math.max(0, (n - wordStart) >> 2),
    );
    const parts: Buffer[] = [];
    let copiedTo = 0;
    let skipped = 0;
    let i = 0;
    while (i < n) {
      if (this.state === 'ground' && PLAIN[data[i] as number] === 1) {
        // A run of plain text that starts in the ground state.
        const start = i;
        i = plainRunEnd(data, words, wordStart, i);
        if (compact && !this.scrollRegion && i - start >= this.minSkip) {
          const cut = this.cutPoint(data, start, i, keepLines);
          if (cut > 0) {
            parts.push(data.subarray(copiedTo, start), CRLF);
            skipped += cut - start - CRLF.length;
            copiedTo = cut;
          }
        }
        continue;
      }
      this.step(data[i] as number);
      i++;
    }
    if (!skipped) return { segments: [data], length: data.length, skipped: 0 };
    parts.push(data.subarray(copiedTo));
    return { segments: parts, length: data.length - skipped, skipped };
  }

  /** The end of the skippable part of the run [start, end), or -1. */
  private cutPoint(data: Buffer, start: number, end: number, keepLines: number): number {
    // From the end of the run, the keepLines-th line feed, then the "\r\n" boundary before it.
    let lines = 0;
    let j = end - 1;
    for (; j >= start; j--) {
      if (data[j] === 0x0a && ++lines === keepLines) break;
    }
    if (j < start) return -1;
    for (let q = j - 1; q > start; q--) {
      if (data[q] === 0x0a && data[q - 1] === 0x0d) return q + 1 - start >= this.minSkip ? q + 1 : -1;
    }
    return -1;
  }

  /** One byte outside a plain run, through a small ECMA-48 parser (just enough to know the state). */
  private step(b: number): void {
    switch (this.state) {
      case 'ground':
        if (b === ESC) this.state = 'esc';
        return;
      case 'esc':
        if (b === 0x5b) {
          this.state = 'csi';
          this.csi = '';
        } else if (b === 0x5d || b === 0x50 || b === 0x5f || b === 0x5e || b === 0x58) {
          this.state = 'string'; // OSC, DCS, APC, PM, SOS: until BEL or ST
        } else if (b >= 0x20 && b <= 0x2f) {
          this.state = 'escIntermediate';
        } else {
          if (b === 0x63) this.scrollRegion = false; // RIS: full reset
          this.state = b === ESC ? 'esc' : 'ground';
        }
        return;
      case 'escIntermediate':
        if (b >= 0x30 && b <= 0x7e) this.state = 'ground';
        else if (b === ESC) this.state = 'esc';
        return;
      case 'csi':
        if (b >= 0x40 && b <= 0x7e) {
          if (b === 0x72 && !/[?<=>!$"' ]/.test(this.csi)) this.scrollRegion = this.csi.replace(/;/g, '') !== '';
          if (b === 0x70 && this.csi === '!') this.scrollRegion = false; // DECSTR: soft reset
          this.state = 'ground';
        } else if (b === ESC) {
          this.state = 'esc';
        } else if (b >= 0x20 && b <= 0x3f && this.csi.length < 64) {
          this.csi += String.fromCharCode(b);
        } else if (b === 0x18 || b === 0x1a) {
          this.state = 'ground'; // CAN, SUB cancel
        }
        return;
      case 'string':
        if (b === 0x07) this.state = 'ground';
        else if (b === ESC) this.state = 'stringEsc';
        return;
      case 'stringEsc':
        this.state = b === 0x5c ? 'ground' : b === ESC ? 'stringEsc' : 'string';
        return;
    }
  }
}

/** One-shot form of OutputCompactor (tests, and a stream that starts in the ground state). */
export function compactOutput(data: Buffer, keepLines: number, minSkip = 64 * 1024): { data: Buffer; skipped: number } {
  return new OutputCompactor(minSkip).feed(data, keepLines);
}
