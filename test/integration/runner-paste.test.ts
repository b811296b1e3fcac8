/**
 * Issue 12, item 1: a paste must never freeze the runner. A real `dojo start` process (a frozen
 * runner must fail this test, not hang it), a real bash on a real PTY, a real WebSocket; pastes of
 * 32 KiB, 64 KiB and 1 MiB in the page's 8,192-character frames. While the shell takes the input,
 * /api/health keeps answering within a second, and SIGTERM still stops the runner.
 *
 * Before the fix, 32 KiB at an idle prompt made the runner spin in libuv's EAGAIN loop for good:
 * health timed out and only SIGKILL stopped it.
 */
import { afterEach, describe, expect, it, onTestFailed, vi } from 'vitest';
import { FLOW, INPUT_CHUNK_CHARS } from '../../src/shared/terminal-protocol.ts';
import { connectTerminal, type TerminalClient } from '../helpers/runner-harness.ts';
import { healthLatency, startDojo, tempHome, type DojoProcess } from '../helpers/dojo-process.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const KiB = 1024;

/** `bytes` of lines a shell can take: 63 characters and a carriage return (Enter) each. */
function pasteText(bytes: number, prefix: string): string {
  const line = `${prefix}${'x'.repeat(63 - prefix.length)}\r`;
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

const inputAcked = (term: TerminalClient) =>
  term.messages.reduce((n, m) => n + (m.type === 'inputAck' ? m.chars : 0), 0);

/**
 * Sends `text` in 8,192-character frames the way the page does: at most FLOW.inputWindowChars
 * unacknowledged at a time (the runner acks what reached the shell).
 */
async function paste(term: TerminalClient, text: string): Promise<void> {
  let sent = 0;
  for (let i = 0; i < text.length; i += INPUT_CHUNK_CHARS) {
    const chunk = text.slice(i, i + INPUT_CHUNK_CHARS);
    await vi.waitFor(
      () => {
        if (sent + chunk.length - inputAcked(term) > FLOW.inputWindowChars) {
          throw new Error(`expected the runner to acknowledge input, ${sent - inputAcked(term)} characters pending`);
        }
      },
      { timeout: 60_000, interval: 5 },
    );
    term.type(chunk);
    sent += chunk.length;
  }
}

/** When health stopped answering, what the learner saw: does SIGTERM still stop the runner? */
async function expectResponsive(dojo: DojoProcess, worst: number): Promise<void> {
  if (worst !== Infinity) return;
  const exitAfterSigterm = await dojo.terminate(10_000);
  expect({ health: 'no answer within 2 s', exitAfterSigterm }).toEqual({ health: 'answered', exitAfterSigterm: 0 });
}

/** Polls /api/health every 100 ms until `done` settles; resolves with the slowest answer (ms). */
async function watchHealth(origin: string, done: Promise<unknown>): Promise<number> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => undefined);
  let worst = 0;
  while (!settled) {
    worst = Math.max(worst, await healthLatency(origin, 2000));
    if (worst === Infinity) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  worst = Math.max(worst, await healthLatency(origin, 2000));
  return worst;
}

async function runner(): Promise<DojoProcess> {
  // The runner's flow-control counts every 2 s, shown if a test fails (a stall is then visible).
  const dojo = await startDojo(await tempHome(cleanups), cleanups, { env: { DEBUG: 'dojo:runner:flow' } });
  onTestFailed(() => console.log(`runner log:\n${dojo.output().split('\n').slice(-12).join('\n')}`));
  return dojo;
}

async function shell(dojo: DojoProcess): Promise<TerminalClient> {
  const term = await connectTerminal(dojo.origin, 'sleepy-lab', { keepBytes: 256 * KiB });
  cleanups.push(() => term.close());
  onTestFailed(() => console.log(`terminal's last output: ${JSON.stringify(term.text().slice(-300))}`));
  await term.attached;
  await term.waitForText('The sandbox for this lab is not started');
  return term;
}

describe('a paste never freezes the runner', () => {
  it.each([32 * KiB, 64 * KiB])(
    'takes a %i-byte paste at an idle bash prompt; health answers throughout and SIGTERM works',
    async (bytes) => {
      const dojo = await runner();
      const term = await shell(dojo);
      term.type('PS1="$ "\r');
      // eslint-disable-next-line no-control-regex -- bash toggles bracketed paste around its prompt
      await term.waitForText(/\x1b\[\?2004h\$ /);
      // Comment lines: bash reads each one at its prompt and does nothing with it.
      const work = (async () => {
        await paste(term, pasteText(bytes, '# '));
        term.type('echo paste-done-$((6*7))\r');
        await term.waitForText('paste-done-42', 60_000);
      })();
      const worst = await watchHealth(dojo.origin, work);
      await expectResponsive(dojo, worst);
      expect(worst, 'slowest /api/health answer (ms) while the paste went in').toBeLessThan(1000);
      await work;
      expect(await dojo.terminate(), 'exit code after SIGTERM (null: still running after 15 s)').toBe(0);
    },
  );

  it('takes 1 MiB into a program reading it (wc -c counts every byte, the echo flows back); health answers throughout', async () => {
    const dojo = await runner();
    const term = await shell(dojo);
    term.type('wc -c\r');
    await new Promise((r) => setTimeout(r, 300));
    const bytes = 1024 * KiB;
    const work = (async () => {
      await paste(term, pasteText(bytes, ''));
      term.type('\x04');
      // Enter becomes a newline on the way in (ICRNL): the count is exactly the bytes pasted. The
      // kernel may still be echoing the paste when wc prints, so the count can follow an "x".
      await term.waitForText(new RegExp(`(?<!\\d)${bytes}\\r?\\n`), 60_000);
    })();
    const worst = await watchHealth(dojo.origin, work);
    await expectResponsive(dojo, worst);
    expect(worst, 'slowest /api/health answer (ms) while 1 MiB went in').toBeLessThan(1000);
    await work;
    expect(await dojo.terminate()).toBe(0);
  });

  it('bounds what a client that never waits for input acks can queue, and tells it', async () => {
    const dojo = await runner();
    const term = await shell(dojo);
    // `sleep` does not read: everything sent now waits in the runner (the PTY takes a few KiB).
    term.type('sleep 5\r');
    await new Promise((r) => setTimeout(r, 300));
    const frame = pasteText(INPUT_CHUNK_CHARS, '# ');
    const frames = Math.ceil((FLOW.maxInputQueueBytes * 2) / frame.length);
    for (let i = 0; i < frames; i++) term.type(frame);
    const flood = vi.waitFor(
      () => expect(term.messages.some((m) => m.type === 'notice' && /input/i.test(m.message))).toBe(true),
      { timeout: 20_000 },
    );
    const worst = await watchHealth(dojo.origin, flood);
    await expectResponsive(dojo, worst);
    await flood;
    expect(worst).toBeLessThan(1000);
    const notice = term.messages.find((m) => m.type === 'notice' && /input/i.test(m.message));
    expect(notice).toMatchObject({ message: expect.stringMatching(/dropped/) });
    expect(await dojo.terminate()).toBe(0);
  });
});
