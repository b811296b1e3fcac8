/**
 * Issue 12, item 4: terminal sessions over real sockets and real shells.
 *
 * - two connections at once: the later takes the shell, the earlier is closed with 4000;
 * - a socket that closes before its shell is attached: the shell still gets the idle timeout;
 * - a client that acks output without reading it cannot grow the runner's memory (RSS measured);
 * - the PTY master fd is close-on-exec: a child the runner starts later does not hold it;
 * - DOJO_TOKEN is in neither the sandbox's processes nor a solution script's environment;
 * - a `setsid` job is stopped with its shell, and after kill -9 of the runner by the next start.
 */
import { readFileSync, readlinkSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { CLOSE } from '../../src/shared/terminal-protocol.ts';
import { workspaceDir } from '../../src/shared/paths.ts';
import { connectTerminal, startTestRunner, TOKEN } from '../helpers/runner-harness.ts';
import { startDojo, tempHome, type DojoProcess } from '../helpers/dojo-process.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const alive = (pid: number) => processInfo(pid) !== null; // zombies count as dead

/** Resolves with `promise`, or with `fallback` after `ms`. */
function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return Promise.race([promise, new Promise<F>((resolve) => setTimeout(() => resolve(fallback), ms))]);
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** The targets of a process's open fds (e.g. "/dev/ptmx"). */
function openFiles(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  return readdirSync(dir).map((fd) => {
    try {
      return readlinkSync(path.join(dir, fd));
    } catch {
      return '';
    }
  });
}

async function sessionRunning(api: (p: string, init?: RequestInit) => Promise<Response>) {
  expect((await api('/api/labs/sleepy-lab/session', { method: 'POST' })).status).toBe(202);
  return vi.waitFor(
    async () => {
      const s = (await (await api('/api/labs/sleepy-lab/session')).json()) as {
        state: string;
        services: Record<string, string>;
      };
      expect(s.state).toBe('running');
      return Number(/pid (\d+)/.exec(s.services['sleeper'] ?? '')?.[1]);
    },
    { timeout: 20_000 },
  );
}

describe('terminal sessions (in-process runner)', () => {
  it('two simultaneous connections: the later one gets the shell, the earlier is closed with 4000', async () => {
    const t = await startTestRunner();
    cleanups.push(async () => {
      await t[Symbol.asyncDispose]();
    });
    const [older, newer] = await Promise.all([t.terminal('sleepy-lab'), t.terminal('sleepy-lab')]);
    await newer.attached;
    const closed = await within(older.closed, 10_000, 'never closed');
    expect(closed).toMatchObject({ code: CLOSE.replaced });
    newer.type('echo took-over-$((40+2))\r');
    await newer.waitForText('took-over-42');
    await newer.close();
  });

  it('gives a shell whose socket closed before it attached the idle timeout', async () => {
    const t = await startTestRunner({ detachedTtlMs: 1000 });
    cleanups.push(async () => {
      await t[Symbol.asyncDispose]();
    });
    const term = await t.terminal('sleepy-lab');
    // Gone before the shell has even started (it takes a few ms): nobody ever attaches.
    term.ws.terminate();
    await term.closed;
    const pid = await vi.waitFor(
      () => {
        const shell = t.runtime.terminals.get('sleepy-lab');
        if (!shell) throw new Error('expected the shell to have started');
        return shell.pid;
      },
      { timeout: 10_000 },
    );
    await vi.waitFor(() => expect(alive(pid), `shell pid ${pid} still running`).toBe(false), { timeout: 10_000 });
  });

  it('marks the PTY master close-on-exec: a process the runner starts later does not hold it', async () => {
    const t = await startTestRunner();
    cleanups.push(async () => {
      await t[Symbol.asyncDispose]();
    });
    const term = await t.terminal('sleepy-lab');
    await term.attached;
    // Typed into, so the shell is kept (not swapped for one with the sandbox's environment).
    term.type('echo kept\r');
    await term.waitForText('kept');
    expect(t.runtime.terminals.get('sleepy-lab')?.stats().closeOnExec).toBe(true);
    // Started after the shell, by the runner's own process (the sandbox spawns `sleep 600`).
    const sleeper = await sessionRunning(t.api);
    expect(openFiles(sleeper).filter((f) => f.includes('ptmx'))).toEqual([]);
    await term.close();
    await t.api('/api/labs/sleepy-lab/session', { method: 'DELETE' });
  });

  it('stops a `setsid` job (its own session) when the shell exits', async () => {
    const t = await startTestRunner();
    cleanups.push(async () => {
      await t[Symbol.asyncDispose]();
    });
    const term = await t.terminal('sleepy-lab');
    await term.attached;
    term.type(`setsid sh -c 'echo "job=$$"; exec sleep 611' & sleep 0.3\r`);
    await term.waitForText(/job=\d+/);
    const job = Number(/job=(\d+)/.exec(term.text())?.[1]);
    cleanups.push(async () => void (alive(job) && process.kill(job, 'SIGKILL')));
    expect(alive(job)).toBe(true);
    expect(processInfo(job)?.sid).toBe(job); // a session of its own: not in the shell's
    term.type('exit\r');
    await term.closed;
    await vi.waitFor(() => expect(alive(job)).toBe(false), { timeout: 10_000 });
  });
});

describe('terminal sessions (dojo start process)', () => {
  it('keeps the runner bounded when a client acks output it never reads (RSS)', async () => {
    const dojo = await startDojo(await tempHome(cleanups), cleanups);
    const pid = dojo.child.pid!;
    const ws = new WebSocket(`${dojo.origin.replace('http', 'ws')}/api/terminal?lab=sleepy-lab`, {
      headers: { Authorization: `Bearer ${TOKEN}`, Origin: dojo.origin },
    });
    cleanups.push(async () => ws.terminate());
    await new Promise((resolve) => ws.once('message', resolve));
    ws.send(JSON.stringify({ type: 'input', data: 'yes "$(head -c 1000 /dev/zero | tr "\\0" x)"\r' }));
    await new Promise((r) => setTimeout(r, 300));
    const before = rssBytes(pid);
    // Stop reading (the kernel buffers fill, then the runner's own would), but keep acking a lot.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const acks = setInterval(() => ws.send(JSON.stringify({ type: 'ack', bytes: 1 << 20 })), 20);
    await new Promise((r) => setTimeout(r, 8000));
    clearInterval(acks);
    const grown = rssBytes(pid) - before;
    console.log(`runner RSS under ack-without-reading abuse: +${Math.round(grown / 2 ** 20)} MiB in 8 s`);
    expect((await dojo.api('/api/health')).status).toBe(200);
    expect(grown).toBeLessThan(64 * 2 ** 20);
    expect(await dojo.terminate()).toBe(0);
  });

  it('keeps DOJO_TOKEN out of the sandbox processes and the solution scripts it runs', async () => {
    const home = await tempHome(cleanups);
    const dojo = await startDojo(home, cleanups);
    const sleeper = await sessionRunning(dojo.api);
    expect(readFileSync(`/proc/${sleeper}/environ`, 'utf8').split('\0')).not.toContainEqual(
      expect.stringMatching(/^DOJO_TOKEN=/),
    );
    const solved = await dojo.api('/api/labs/sleepy-lab/steps/look-around/solve', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(solved.status).toBe(200);
    const env = readFileSync(path.join(workspaceDir(home, 'sleepy-lab'), 'solution-env.txt'), 'utf8');
    expect(env).toContain('DOJO_WORKSPACE=');
    expect(env).not.toMatch(/^DOJO_TOKEN=/m);
    expect(await dojo.terminate()).toBe(0);
  });

  it('stops a `setsid` job a shell started when the next runner starts after a kill -9', async () => {
    const home = await tempHome(cleanups);
    const first: DojoProcess = await startDojo(home, cleanups);
    const term = await connectTerminal(first.origin, 'sleepy-lab');
    await term.attached;
    term.type(`setsid sh -c 'echo "job=$$"; exec sleep 612' & sleep 0.3\r`);
    await term.waitForText(/job=\d+/);
    const job = Number(/job=(\d+)/.exec(term.text())?.[1]);
    cleanups.push(async () => void (alive(job) && process.kill(job, 'SIGKILL')));
    first.child.kill('SIGKILL');
    await first.child;
    await term.closed;
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(job), 'the setsid job outlives the killed runner').toBe(true);
    const second = await startDojo(home, cleanups);
    await vi.waitFor(() => expect(alive(job), `setsid job ${job} still running`).toBe(false), { timeout: 10_000 });
    expect(second.output()).toMatch(/Stopped \d+ process\(es\) left by an earlier run/);
    expect(await second.terminate()).toBe(0);
  });
});

describe('screen replay after a fast stream (the mirror skips what scrolled away)', () => {
  it('replays exactly what a client that read every byte shows', async () => {
    const { default: headless } = await import('@xterm/headless');
    const t = await startTestRunner();
    cleanups.push(async () => {
      await t[Symbol.asyncDispose]();
    });
    const cols = 80;
    const rows = 30;
    const live = new headless.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
    const term = await t.terminal('sleepy-lab', { cols, rows });
    await term.attached;
    let fed = 0;
    const feed = async () => {
      const all = Buffer.from(term.text(), 'utf8');
      const chunk = all.subarray(fed);
      fed = all.length;
      await new Promise<void>((resolve) => live.write(chunk, resolve));
    };
    term.type('head -c 6000000 /dev/urandom | base64; printf "\\033[32mDONE-%s\\033[0m\\n" $((40+2))\r');
    await term.waitForText(/DONE-42/, 120_000);
    await new Promise((r) => setTimeout(r, 300));
    await feed();
    await term.close();
    const again = await t.terminal('sleepy-lab', { cols, rows });
    expect((await again.attached).resumed).toBe(true);
    await again.waitForText('DONE-42', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const replayed = new headless.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
    await new Promise<void>((resolve) => replayed.write(Buffer.from(again.text(), 'utf8'), resolve));
    const lines = (x: InstanceType<typeof headless.Terminal>) => {
      const b = x.buffer.active;
      const out: string[] = [];
      for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
      while (out.length && out.at(-1) === '') out.pop();
      return out;
    };
    const want = lines(live);
    const got = lines(replayed);
    // The replay holds the scrollback and the screen: the same last rows, line for line.
    expect(got.length).toBeGreaterThan(4000);
    expect(got.slice(-4000)).toEqual(want.slice(-4000));
    await again.close();
  });
});
