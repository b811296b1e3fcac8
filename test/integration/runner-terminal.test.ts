/**
 * The terminal bridge end to end: a real bash on a real PTY, driven over a real WebSocket with the
 * documented protocol, inside a real runner (token, Origin and Host checks included).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { workspaceDir } from '../../src/shared/paths.ts';
import { CLOSE, FLOW, MAX_CLIENT_FRAME_BYTES } from '../../src/shared/terminal-protocol.ts';
import { isAlive, startTestRunner, TOKEN, type TestRunner } from '../helpers/runner-harness.ts';

let t: TestRunner;
beforeAll(async () => {
  t = await startTestRunner();
});
afterAll(async () => {
  await t[Symbol.asyncDispose]();
});

const alive = isAlive;

describe('terminal over WebSocket', () => {
  it('runs a shell in the lab workspace: type echo hi, read hi', async () => {
    const term = await t.terminal('sleepy-lab', { cols: 100, rows: 30 });
    const attached = await term.attached;
    expect(attached).toMatchObject({ lab: 'sleepy-lab', resumed: false, sandbox: 'not-started', cols: 100, rows: 30 });
    await term.waitForText('The sandbox for this lab is not started');
    term.type('echo hi\r');
    // The output line, not the echoed command (bash wraps its prompt in bracketed-paste toggles).
    // eslint-disable-next-line no-control-regex -- PTY output carries real escape sequences
    await term.waitForText(/(\n|\x1b\[\?2004l\r?)hi\r\n/);
    term.type('pwd; echo "cols=$(tput cols) token=${DOJO_TOKEN:-none}"\r');
    await term.waitForText(`${workspaceDir(t.home, 'sleepy-lab')}\r\ncols=100 token=none`);
    expect(existsSync(workspaceDir(t.home, 'sleepy-lab'))).toBe(true);
    term.send({ type: 'resize', cols: 120, rows: 40 });
    term.type('stty size\r');
    await term.waitForText('40 120');
    await term.close();
  });

  it('gives a reloaded page the same shell with its screen replayed', async () => {
    const first = await t.terminal('sleepy-lab');
    const { pid } = await first.attached;
    first.type('export DOJO_MARK=kept; echo replay-$((40+2))\r');
    await first.waitForText('replay-42');
    await first.close();

    const second = await t.terminal('sleepy-lab');
    const again = await second.attached;
    expect(again.pid).toBe(pid);
    expect(again.resumed).toBe(true);
    // The serialized screen arrives before anything new: the earlier output is there at once.
    await second.waitForText('replay-42', 5000);
    second.type('echo "mark=$DOJO_MARK"\r');
    await second.waitForText('mark=kept');
    expect(alive(pid)).toBe(true);
    await second.close();
  });

  it('lets one client drive a shell: a second tab replaces the first (close 4000)', async () => {
    const a = await t.terminal('sleepy-lab');
    await a.attached;
    const b = await t.terminal('sleepy-lab');
    await b.attached;
    expect(await a.closed).toMatchObject({ code: CLOSE.replaced });
    b.type('echo still-here\r');
    await b.waitForText('still-here');
    await b.close();
  });

  it('reports the exit of the shell and starts a new one on the next connection', async () => {
    const term = await t.terminal('sleepy-lab');
    const { pid } = await term.attached;
    term.type('exit 3\r');
    expect(await term.closed).toMatchObject({ code: CLOSE.shellExited });
    expect(term.messages).toContainEqual({ type: 'exit', code: 3 });
    await vi.waitFor(() => expect(alive(pid)).toBe(false));
    const next = await t.terminal('sleepy-lab');
    expect((await next.attached).pid).not.toBe(pid);
    await next.close();
  });

  it('swaps an untouched shell for one with the sandbox environment when the sandbox starts', async () => {
    const term = await t.terminal('sleepy-lab');
    expect((await term.attached).sandbox).toBe('not-started');
    expect((await t.api('/api/labs/sleepy-lab/session', { method: 'POST' })).status).toBe(202);
    // Nobody typed yet: the same socket is re-attached to a new shell that has the environment.
    await vi.waitFor(
      () => expect(term.messages.filter((m) => m.type === 'attached').at(-1)).toMatchObject({ sandbox: 'running' }),
      {
        timeout: 20_000,
      },
    );
    term.type('echo "sandbox=$DOJO_SANDBOX pid=$SLEEPY_PID"\r');
    await term.waitForText(/sandbox=sleepy pid=\d+/);
    // End this shell so the next test starts from none.
    term.type('exit\r');
    await term.closed;
    expect((await t.api('/api/labs/sleepy-lab/session', { method: 'DELETE' })).status).toBe(200);
  });

  it('never swaps a shell somebody has typed into: it tells the page instead', async () => {
    const old = await t.terminal('sleepy-lab');
    await old.attached;
    old.type('export MINE=kept\r');
    await vi.waitFor(() => expect(t.runtime.terminals.get('sleepy-lab')?.hasHadInput).toBe(true));
    const started = await t.api('/api/labs/sleepy-lab/session', { method: 'POST' });
    expect(started.status).toBe(202);
    await vi.waitFor(async () => {
      const s = (await (await t.api('/api/labs/sleepy-lab/session')).json()) as { state: string };
      expect(s.state).toBe('running');
    });
    // The open shell cannot change its environment: the page is told so.
    await vi.waitFor(() => expect(old.messages.some((m) => m.type === 'notice')).toBe(true));
    expect(old.messages.filter((m) => m.type === 'attached')).toHaveLength(1);
    old.type('exit\r');
    await old.closed;
    const fresh = await t.terminal('sleepy-lab');
    expect((await fresh.attached).sandbox).toBe('running');
    fresh.type('echo "sandbox=$DOJO_SANDBOX pid=$SLEEPY_PID"\r');
    await fresh.waitForText(/sandbox=sleepy pid=\d+/);
    await fresh.close();
    expect((await t.api('/api/labs/sleepy-lab/session', { method: 'DELETE' })).status).toBe(200);
  });
});

describe('terminal protocol violations close the socket, never the runner', () => {
  const cases: [string, (ws: WebSocket) => void, number, RegExp][] = [
    ['text that is not JSON', (ws) => ws.send('echo hi'), CLOSE.invalidPayload, /not JSON/],
    ['an unknown message type', (ws) => ws.send('{"type":"exec","cmd":"id"}'), CLOSE.invalidPayload, /expected/],
    ['a resize to zero columns', (ws) => ws.send('{"type":"resize","cols":0,"rows":10}'), CLOSE.invalidPayload, /cols/],
    ['an ack with a negative count', (ws) => ws.send('{"type":"ack","bytes":-5}'), CLOSE.invalidPayload, /bytes/],
    [
      'an input with extra fields',
      (ws) => ws.send('{"type":"input","data":"x","sudo":true}'),
      CLOSE.invalidPayload,
      /sudo/,
    ],
    ['a binary frame', (ws) => ws.send(Buffer.from('ls\r')), CLOSE.invalidPayload, /binary/],
    [
      'an oversized frame',
      (ws) => ws.send(JSON.stringify({ type: 'input', data: 'x'.repeat(MAX_CLIENT_FRAME_BYTES + 10) })),
      CLOSE.tooBig,
      /./,
    ],
  ];
  it.each(cases)('%s', async (_name, attack, code, reason) => {
    const term = await t.terminal('sleepy-lab');
    await term.attached;
    attack(term.ws);
    const closed = await term.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    // The runner is fine and the shell is still there for the next client.
    expect((await fetch(`${t.runner.origin}/api/health`)).status).toBe(200);
    const next = await t.terminal('sleepy-lab');
    await next.attached;
    next.type('echo after-attack\r');
    await next.waitForText('after-attack');
    await next.close();
  });

  it('refuses a lab id that is not kebab-case or does not exist, before the handshake', async () => {
    for (const [lab, status] of [
      ['../../etc', 400],
      ['Sleepy_Lab', 400],
      ['no-such-lab', 404],
    ] as const) {
      await expect(t.terminal(lab)).rejects.toThrow(`HTTP ${status}`);
    }
    const noLab = new WebSocket(`${t.runner.origin.replace('http', 'ws')}/api/terminal`, {
      headers: { Authorization: `Bearer ${TOKEN}`, Origin: t.runner.origin },
    });
    const status = await new Promise<number>((resolve) =>
      noLab.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(400);
  });
});

describe('flow control', () => {
  it('delivers a long stream byte for byte (its frames are joined in reused buffers)', async () => {
    const term = await t.terminal('sleepy-lab');
    await term.attached;
    term.type('seq 1 300000; echo SEQ-$((6*7))\r');
    await term.waitForText(/SEQ-42/, 60_000);
    const text = term.text();
    const expected = `${Array.from({ length: 300_000 }, (_, i) => String(i + 1)).join('\r\n')}\r\n`;
    // bash turns bracketed paste off before the command runs: "\x1b[?2004l\r" precedes its output.
    const start = text.indexOf('\r1\r\n2\r\n') + 1;
    expect(start, JSON.stringify(text.slice(0, 400))).toBeGreaterThan(0);
    // Compared as one string: a frame joined wrongly would garble a stretch. (Reuse before the
    // socket wrote a frame is not provoked here: loopback's socket buffers take the whole flow-
    // control window, so the writes complete at once; frame-buffers.test.ts covers the pool.)
    expect(text.slice(start, start + expected.length) === expected).toBe(true);
    await term.close();
  });

  it('keeps the runner bounded under `yes | head -c 50000000` with a slow client, then delivers all of it', async () => {
    const term = await t.terminal('sleepy-lab', { autoAck: false, keepBytes: 64 * 1024 });
    await term.attached;
    const session = t.runtime.terminals.get('sleepy-lab')!;
    const rssBefore = process.memoryUsage().rss;
    term.type('yes | head -c 50000000; echo DONE-$((6*7))\r');
    const onePtyRead = 64 * 1024;
    let maxOutbound = 0;
    let maxMirror = 0;
    let sawPaused = false;
    // Slow client: acknowledge 64 KiB every 100 ms for 3 s (about 2 MB of the 75 MB).
    for (let tick = 0; tick < 30; tick++) {
      for (let i = 0; i < 20; i++) {
        const s = session.stats();
        maxOutbound = Math.max(maxOutbound, s.counts.client + s.counts.batch);
        maxMirror = Math.max(maxMirror, s.counts.mirror);
        sawPaused ||= s.paused;
        await new Promise((r) => setTimeout(r, 5));
      }
      term.ack(Math.min(64 * 1024, term.unacked()));
    }
    expect(sawPaused).toBe(true);
    expect(maxOutbound).toBeLessThanOrEqual(FLOW.highWatermark + FLOW.maxBatchBytes + onePtyRead);
    expect(maxMirror).toBeLessThanOrEqual(FLOW.mirrorHighWatermark + FLOW.maxBatchBytes + onePtyRead);
    // The producer was held back: the client got only what it acked plus one window.
    expect(term.bytesReceived()).toBeLessThan(30 * 64 * 1024 + FLOW.highWatermark + FLOW.maxBatchBytes + onePtyRead);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    // A fast client then gets every byte: 25 million "y" lines become 75 MB with the PTY's \r\n.
    term.setAutoAck(true);
    await term.waitForText(/DONE-42/, 120_000);
    expect(term.bytesReceived()).toBeGreaterThan(75_000_000);
    expect(session.stats().peak).toBeLessThanOrEqual(
      FLOW.highWatermark + FLOW.mirrorHighWatermark + 2 * (FLOW.maxBatchBytes + onePtyRead),
    );
    await term.close();
  });
});
