/**
 * `dojo start` as a user runs it: a separate process, real signals, real `kill -9`.
 *
 * - A non-loopback --host needs --allow-remote, and then prints a warning.
 * - SIGTERM stops every shell, job and sandbox process the runner started.
 * - After `kill -9` of the runner, the next start reaps what the first one left behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import { connectTerminal, fixtureLabsDir, fixtureSandboxesDir, TOKEN } from '../helpers/runner-harness.ts';

const dojo = path.join(repoRoot, 'bin', 'dojo.mjs');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const alive = (pid: number) => processInfo(pid) !== null; // zombies count as dead

interface Started {
  child: ReturnType<typeof spawnDojo>;
  origin: string;
  port: number;
  output: () => string;
}

async function home(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dojo-cli-home-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const spawnDojo = (dojoHome: string, args: string[]) =>
  execa(process.execPath, [dojo, 'start', '--port', '0', '--no-open', '--no-build', ...args], {
    env: {
      DOJO_HOME: dojoHome,
      DOJO_TOKEN: TOKEN,
      DOJO_LABS_DIR: fixtureLabsDir,
      DOJO_SANDBOXES_DIR: fixtureSandboxesDir,
      SHELL: '/bin/bash',
    },
    all: true,
    buffer: false,
    reject: false,
    stdin: 'ignore',
  });

/** Starts `dojo start` and waits for the URL it prints. */
async function start(dojoHome: string, args: string[] = []): Promise<Started> {
  const child = spawnDojo(dojoHome, args);
  let out = '';
  child.all?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  cleanups.push(async () => {
    child.kill('SIGKILL'); // a no-op when it has already exited
    await child;
  });
  const port = await vi.waitFor(
    () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=/.exec(out);
      if (!m) throw new Error(`expected the launch URL, found:\n${out}`);
      return Number(m[1]);
    },
    { timeout: 30_000, interval: 50 },
  );
  return { child, origin: `http://127.0.0.1:${port}`, port, output: () => out };
}

const api = (origin: string, pathname: string, init: RequestInit = {}) =>
  fetch(`${origin}${pathname}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, Origin: origin } });

/** Starts the sandbox and a shell with a nohup job; returns every pid the runner is responsible for. */
async function startEverything(origin: string) {
  expect((await api(origin, '/api/labs/sleepy-lab/session', { method: 'POST' })).status).toBe(202);
  const services = await vi.waitFor(
    async () => {
      const s = (await (await api(origin, '/api/labs/sleepy-lab/session')).json()) as {
        state: string;
        services: Record<string, string>;
      };
      expect(s.state).toBe('running');
      return s.services;
    },
    { timeout: 15_000 },
  );
  const sandbox = Number(/pid (\d+)/.exec(services['sleeper'] ?? '')?.[1]);
  const term = await connectTerminal(origin, 'sleepy-lab');
  const { pid: shell } = await term.attached;
  // A job that ignores the terminal's hang-up: only the runner (or the reaper) can stop it.
  term.type('nohup sleep 607 >/dev/null 2>&1 & echo "job=$!"\r');
  await term.waitForText(/job=\d+/);
  const job = Number(/job=(\d+)/.exec(term.text())?.[1]);
  const pids = { sandbox, shell, job };
  expect(Object.values(pids).every(alive)).toBe(true);
  return { pids, term };
}

describe('dojo start --host', () => {
  it('refuses a non-loopback address without --allow-remote', async () => {
    const r = await execa(
      process.execPath,
      [dojo, 'start', '--host', '0.0.0.0', '--port', '0', '--no-open', '--no-build'],
      {
        env: { DOJO_HOME: await home() },
        reject: false,
        stdin: 'ignore',
      },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/refusing to bind 0\.0\.0\.0.*--allow-remote/s);
    expect(r.stdout).not.toMatch(/http:\/\//);
  });

  it('binds it with --allow-remote, warns, and keeps every other check', async () => {
    const s = await start(await home(), ['--host', '0.0.0.0', '--allow-remote']);
    expect(s.output()).toMatch(
      /WARNING: binding 0\.0\.0\.0\. Anyone who can reach this address and has the token gets a shell/,
    );
    // Reached over loopback (the test sends no traffic elsewhere): usable, and still guarded.
    expect((await fetch(`${s.origin}/api/health`)).status).toBe(200);
    expect((await fetch(`${s.origin}/api/labs/sleepy-lab/session`)).status).toBe(401);
    expect((await api(s.origin, '/api/labs/sleepy-lab/session')).status).toBe(200);
    // fetch cannot forge Host; node:http can, as a rebinding attacker's browser effectively does.
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = http.get(`${s.origin}/api/health`, { headers: { Host: `evil.example:${s.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    expect(rebinding).toBe(403);
    s.child.kill('SIGTERM');
    expect((await s.child).exitCode).toBe(0);
  });
});

describe('dojo start shutdown and reaping', () => {
  it('stops every shell, job and sandbox process on SIGTERM', async () => {
    const dir = await home();
    const s = await start(dir);
    const { pids, term } = await startEverything(s.origin);
    s.child.kill('SIGTERM');
    expect((await s.child).exitCode).toBe(0);
    expect((await term.closed).code).toBe(1001);
    await vi.waitFor(() => expect(Object.values(pids).filter(alive)).toEqual([]), { timeout: 10_000 });
    expect(await readdir(path.join(dir, 'run'))).toEqual([]);
  });

  it('reaps what a kill -9 of the runner left behind on the next start', async () => {
    const dir = await home();
    const first = await start(dir);
    const { pids, term } = await startEverything(first.origin);
    first.child.kill('SIGKILL');
    await first.child;
    await term.closed;
    // Killed with no chance to clean up: its sandbox and the nohup job are orphans now.
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pids.sandbox)).toBe(true);
    expect(alive(pids.job)).toBe(true);
    // A stranger that merely reuses nothing of ours must survive the reaping.
    const bystander = execa('sleep', ['600'], { reject: false });
    cleanups.push(async () => {
      bystander.kill('SIGKILL');
      await bystander;
    });

    const second = await start(dir);
    expect(second.output()).toMatch(/Stopped \d+ process\(es\) left by an earlier run/);
    expect(second.output()).toContain(`pid ${pids.sandbox}`);
    await vi.waitFor(() => expect(Object.values(pids).filter(alive)).toEqual([]), { timeout: 10_000 });
    expect(alive(bystander.pid!)).toBe(true);
    // Only the second runner's own record is left.
    expect(await readdir(path.join(dir, 'run'))).toEqual([String(second.child.pid)]);
    second.child.kill('SIGTERM');
    expect((await second.child).exitCode).toBe(0);
  });
});
