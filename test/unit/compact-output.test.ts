/**
 * The screen mirror skips plain text that would scroll out of the scrollback (compact-output.ts).
 * Replay must not change: a headless xterm fed the compacted stream ends in the same state, byte
 * for byte of its serialized screen and scrollback, as one fed every byte.
 */
import headlessPackage from '@xterm/headless';
import serializePackage from '@xterm/addon-serialize';
import { describe, expect, it } from 'vitest';
import { compactOutput, OutputCompactor } from '../../src/runner/terminal/screen-mirror/compact-output.ts';

const { Terminal } = headlessPackage;
const { SerializeAddon } = serializePackage;

const COLS = 80;
const ROWS = 24;
const SCROLLBACK = 200;
const KEEP = SCROLLBACK + ROWS + 2;

async function screenOf(chunks: Buffer[]): Promise<{ text: string; cursor: [number, number] }> {
  const term = new Terminal({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, allowProposedApi: true });
  const serializer = new SerializeAddon();
  term.loadAddon(serializer as never);
  for (const c of chunks) await new Promise<void>((resolve) => term.write(c, resolve));
  const b = term.buffer.active;
  const out = {
    text: serializer.serialize({ scrollback: SCROLLBACK }),
    cursor: [b.cursorX, b.cursorY] as [number, number],
  };
  term.dispose();
  return out;
}

/** A deterministic pseudo-random generator, so a failure reproduces. */
function rng(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function base64Lines(count: number, width = 76, seed = 1): string {
  const r = rng(seed);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < count; i++) {
    let line = '';
    for (let j = 0; j < width; j++) line += alphabet[Math.floor(r() * 64)];
    out += `${line}\r\n`;
  }
  return out;
}

const cases: [string, string][] = [
  ['base64 output', `$ head -c 2000000 /dev/urandom | base64\r\n${base64Lines(3000)}$ `],
  [
    'colours before, inside a long run and after; a prompt at the end',
    `\x1b[31mred\x1b[0m start\r\n${base64Lines(1500, 76, 2)}\x1b[32mgreen\x1b[0m mid\r\n${base64Lines(2000, 90, 3)}\x1b[1mbold prompt\x1b[0m $ `,
  ],
  ['wrapping lines and a cursor mid-screen first', `\x1b[5;10Hmoved${base64Lines(2500, 170, 4)}tail`],
  [
    'a progress bar redrawn with CR, then lines',
    `${'progress 10%\rprogress 20%\r'.repeat(50)}\r\n${base64Lines(2000, 40, 5)}`,
  ],
  ['the alternate screen', `\x1b[?1049h${base64Lines(2000, 60, 6)}\x1b[?1049l${base64Lines(1800, 60, 7)}`],
  ['a scroll region', `\x1b[3;20r${base64Lines(2500, 50, 8)}\x1b[r${base64Lines(10)}`],
  [
    'a scroll region, reset, then a long run',
    `\x1b[3;20r${base64Lines(300, 50, 12)}\x1b[r${base64Lines(2500, 50, 13)}`,
  ],
  [
    'an OSC title and a colour sequence whose parameters are plain bytes',
    `\x1b]0;title ${'x'.repeat(70000)}\x07\x1b[32mgreen\x1b[0m${base64Lines(2500, 76, 14)}`,
  ],
  ['lines without CR (raw mode)', `${base64Lines(200).replace(/\r\n/g, '\n')}${base64Lines(2000, 30, 9)}`],
  ['a UTF-8 letter and a DEL inside a long run', `${base64Lines(1200, 76, 15)}é\x7f${base64Lines(2000, 76, 16)}`],
];

describe('compactOutput', () => {
  it.each(cases)('keeps the replayed screen identical: %s', async (_name, text) => {
    const data = Buffer.from(text);
    const full = await screenOf([data]);
    const { data: compacted, skipped } = compactOutput(data, KEEP, 16 * 1024);
    expect(compacted.length).toBe(data.length - skipped);
    expect(await screenOf([compacted])).toEqual(full);
  });

  it('also when the stream arrives in pieces, some cut inside an escape sequence', async () => {
    const data = Buffer.from(
      `\x1b[33m${base64Lines(3000, 76, 10)}\x1b[38;5;208morange\x1b[0m${base64Lines(3000, 76, 11)}\x1b[0m$ `,
    );
    const boundary = data.indexOf('\x1b[38;5;208m') + 4; // inside the sequence
    const pieces = [data.subarray(0, 100_000), data.subarray(100_000, boundary), data.subarray(boundary)];
    const compactor = new OutputCompactor(16 * 1024);
    const compacted = pieces.map((p) => compactor.feed(p, KEEP).data);
    expect(await screenOf(compacted)).toEqual(await screenOf([data]));
  });

  it('skips most of a fast plain stream, and nothing of text with escape sequences in every line', () => {
    const plain = Buffer.from(base64Lines(20_000));
    expect(compactOutput(plain, 5000 + 24 + 2).skipped).toBeGreaterThan(plain.length * 0.7);
    const coloured = Buffer.from(base64Lines(20_000).replace(/\r\n/g, '\x1b[0m\r\n'));
    expect(compactOutput(coloured, 5000 + 24 + 2).skipped).toBe(0);
    const region = Buffer.from(`\x1b[2;10r${base64Lines(20_000)}`);
    expect(compactOutput(region, 5000 + 24 + 2).skipped).toBe(0);
  });
});

describe('the plain-text scan (four bytes at a time)', () => {
  // Bytes that end a plain run, each of a different class for the word test: C0 controls other
  // than tab/CR/LF, ESC, DEL, a UTF-8 lead byte, and the ends of the 0x80-0xff range.
  const special = [0x00, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0xc3, 0xff];

  /** `bytes` copied to `offset` bytes into a fresh ArrayBuffer: the scan sees every alignment. */
  function at(offset: number, bytes: Buffer): Buffer {
    const copy = Buffer.from(new ArrayBuffer(bytes.length + 8), offset, bytes.length);
    bytes.copy(copy);
    return copy;
  }

  it('never skips a byte that is not plain, wherever it sits in a word, at every alignment', () => {
    const before = Buffer.from(base64Lines(400, 76, 30));
    const after = Buffer.from(base64Lines(3000, 76, 31));
    for (const byte of special) {
      for (let shift = 0; shift < 8; shift++) {
        // Shifting the text before it moves the byte through every position of a word.
        const data = Buffer.concat([before.subarray(shift), Buffer.from([byte]), after]);
        const results = [0, 1, 2, 3].map((offset) => compactOutput(at(offset, data), KEEP, 16 * 1024));
        for (const { data: out } of results) {
          // A scan that missed the byte would take it for part of one long run with the 3,000
          // lines after it, and cut it out with the lines that scroll away.
          expect(out.includes(Buffer.from([byte])), `0x${byte.toString(16)} at shift ${shift}`).toBe(true);
        }
        expect(
          new Set(results.map((r) => r.data.toString('latin1'))).size,
          `alignments agree for 0x${byte.toString(16)}`,
        ).toBe(1);
      }
    }
  });
});

describe('OutputCompactor.clone', () => {
  it('compacting held bytes with a copy, then feeding them to the real one, keeps the screen identical', async () => {
    const data = Buffer.from(`\x1b[36m${base64Lines(4000, 76, 20)}\x1b[0m\x1b]0;t\x07${base64Lines(4000, 76, 21)}$ `);
    const compactor = new OutputCompactor(16 * 1024);
    const once = compactor.clone().feed(data, KEEP).data;
    const twice = compactor.feed(once, KEEP).data;
    expect(await screenOf([twice])).toEqual(await screenOf([data]));
  });
});
