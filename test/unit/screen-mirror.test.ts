/**
 * The runner's screen mirror (screen-mirror.ts) replays the same screen as a terminal fed every
 * byte, also after a flood that it compacted in its own reused store while its worker was busy.
 */
import headlessPackage from '@xterm/headless';
import serializePackage from '@xterm/addon-serialize';
import { afterEach, describe, expect, it } from 'vitest';
import { ScreenMirror } from '../../src/runner/terminal/screen-mirror.ts';
import { HeldOutput } from '../../src/runner/terminal/screen-mirror/held-output.ts';

const { Terminal } = headlessPackage;
const { SerializeAddon } = serializePackage;
const COLS = 80;
const ROWS = 24;
const SCROLLBACK = 300;

async function fullParse(chunks: Buffer[]): Promise<string> {
  const term = new Terminal({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, allowProposedApi: true });
  const serializer = new SerializeAddon();
  term.loadAddon(serializer as never);
  for (const c of chunks) await new Promise<void>((resolve) => term.write(c, resolve));
  const out = serializer.serialize({ scrollback: SCROLLBACK });
  term.dispose();
  return out;
}

function lines(count: number, seed: number, colour = false): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < count; i++) {
    let line = '';
    for (let j = 0; j < 76; j++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      line += String.fromCharCode(65 + (x % 26));
    }
    out += colour ? `\x1b[3${i % 8}m${line}\x1b[0m\r\n` : `${line}\r\n`;
  }
  return out;
}

let mirror: ScreenMirror | undefined;
afterEach(() => mirror?.dispose());

describe('ScreenMirror', () => {
  it('replays the screen of a coloured burst and a 5 MB plain flood written while its worker parsed', async () => {
    let parsed = 0;
    mirror = new ScreenMirror({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, onParsed: (n) => (parsed += n) });
    // 2.5 MB of colour (nothing to skip) goes to the worker at once and keeps it busy...
    const burst = Buffer.from(lines(26_000, 1, true));
    // ...while a plain flood arrives in 64 KiB reads, compacted in place as it is held.
    const flood = Buffer.from(`${lines(65_000, 2)}\x1b[1mprompt\x1b[0m $ `);
    const chunks = [burst];
    for (let i = 0; i < flood.length; i += 64 * 1024) chunks.push(flood.subarray(i, i + 64 * 1024));
    for (const c of chunks) mirror.write(c);
    const replayed = await mirror.serialize();
    expect(replayed).toBe(await fullParse(chunks));
    // Every byte was accounted for: parsed by the worker or skipped as scrolled away.
    expect(parsed).toBe(burst.length + flood.length);
  }, 60_000);

  it('replays numbered lines that lived through an in-place compaction (the flood ends just after it)', async () => {
    mirror = new ScreenMirror({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, onParsed: () => undefined });
    // 27,020 lines of 78 bytes: the held bytes reach 2 MiB (the compaction point) 133 lines before
    // the end, so most of the replayed scrollback went through the compacted store.
    let text = '';
    for (let i = 0; i < 27_020; i++) text += `line ${String(i).padStart(6, '0')} ${'x'.repeat(64)}\r\n`;
    const flood = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let i = 0; i < flood.length; i += 64 * 1024) chunks.push(flood.subarray(i, i + 64 * 1024));
    for (const c of chunks) mirror.write(c);
    const replayed = await mirror.serialize();
    expect(replayed).toContain('line 026700');
    expect(replayed).toBe(await fullParse(chunks));
  }, 60_000);

  it('parses nothing while a plain stream keeps coming, and everything it must once the output pauses', async () => {
    let parsed = 0;
    mirror = new ScreenMirror({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, onParsed: (n) => (parsed += n) });
    // 1.5 s of output, a 16 KiB read every 10 ms (about 2.4 MB: it compacts in place once), like
    // `base64` on a slow machine: longer than the old one-second hold, never quiet for 250 ms.
    const text = Buffer.from(lines(30_000, 3));
    const chunks: Buffer[] = [];
    const started = performance.now();
    for (let at = 0; performance.now() - started < 1500; at += 16 * 1024) {
      const chunk = text.subarray(at % (text.length - 16 * 1024), (at % (text.length - 16 * 1024)) + 16 * 1024);
      chunks.push(chunk);
      mirror.write(chunk);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(mirror.postedTotal).toBe(0);
    // Quiet now: what is held goes to the worker by itself, without a reconnect asking for it.
    await expect.poll(() => mirror?.postedTotal ?? 0, { timeout: 3000 }).toBeGreaterThan(0);
    const written = chunks.reduce((n, c) => n + c.length, 0);
    await expect.poll(() => parsed, { timeout: 10_000 }).toBe(written);
    // It parsed about one scrollback and screen (each line 78 bytes), not the stream.
    expect(mirror.postedTotal).toBeLessThan(2 * (SCROLLBACK + ROWS + 2) * 78 + 64 * 1024);
    expect(await mirror.serialize()).toBe(await fullParse(chunks));
  }, 60_000);
});

describe('HeldOutput', () => {
  it('compacts in place from views of itself, and reuses its store once it is large enough', () => {
    const held = new HeldOutput();
    held.append(Buffer.from('aaaa-bbbb-cccc'));
    const view = held.view();
    held.replace([view.subarray(0, 4), Buffer.from('\r\n'), view.subarray(10)]);
    expect(held.view().toString()).toBe('aaaa\r\ncccc');
    held.clear();
    held.append(Buffer.alloc(1024 * 1024, 0x41));
    const capacity = held.capacity;
    held.clear();
    held.append(Buffer.alloc(1024 * 1024, 0x42));
    expect(held.capacity).toBe(capacity);
    expect(held.view().every((b) => b === 0x42)).toBe(true);
  });

  it('refuses segments out of order instead of overwriting one before it is copied', () => {
    const held = new HeldOutput();
    held.append(Buffer.from('0123456789'));
    const view = held.view();
    expect(() => held.replace([view.subarray(5, 10), view.subarray(0, 5)])).toThrow(/would be overwritten/);
  });
});
