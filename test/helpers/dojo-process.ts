/**
 * `dojo start` as its own process, for tests whose failure mode is the runner itself hanging (an
 * in-process runner would hang the test with it) or that need real signals, kill -9 and restarts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { vi } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { fixtureLabsDir, fixtureSandboxesDir, TOKEN } from './runner-harness.ts';

export const dojoBin = path.join(repoRoot, 'bin', 'dojo.mjs');

const spawnDojo = (args: string[], env: Record<string, string>) =>
  execa(process.execPath, [dojoBin, 'start', '--port', '0', '--no-open', '--no-build', ...args], {
    env,
    all: true,
    buffer: false,
    reject: false,
    stdin: 'ignore',
  });

export interface DojoProcess {
  child: ReturnType<typeof spawnDojo>;
  origin: string;
  port: number;
  output: () => string;
  /** fetch with the token and Origin, bounded by `timeoutMs` (a hung runner must fail, not hang, the test). */
  api: (pathname: string, init?: RequestInit, timeoutMs?: number) => Promise<Response>;
  /** SIGTERM, then resolves with the exit code, or with null if it did not exit within `ms`. */
  terminate: (ms?: number) => Promise<number | null>;
}

/** A temporary DOJO_HOME; `cleanups` gets its removal. */
export async function tempHome(cleanups: (() => Promise<void>)[], prefix = 'dojo-proc-home-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface StartDojoOptions {
  args?: string[];
  env?: Record<string, string>;
  labsDir?: string;
  sandboxesDir?: string;
  /** Wait for the launch URL (default); false returns as soon as the process runs. */
  waitForUrl?: boolean;
}

/** Starts `dojo start --port 0` and waits for the URL it prints; `cleanups` gets a SIGKILL. */
export async function startDojo(
  dojoHome: string,
  cleanups: (() => Promise<void>)[],
  options: StartDojoOptions = {},
): Promise<DojoProcess> {
  const child = spawnDojo(options.args ?? [], {
    DOJO_HOME: dojoHome,
    DOJO_TOKEN: TOKEN,
    DOJO_LABS_DIR: options.labsDir ?? fixtureLabsDir,
    DOJO_SANDBOXES_DIR: options.sandboxesDir ?? fixtureSandboxesDir,
    SHELL: '/bin/bash',
    ...options.env,
  });
  let out = '';
  child.all?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  cleanups.push(async () => {
    child.kill('SIGKILL'); // a no-op when it has already exited
    await child;
  });
  let port = 0;
  if (options.waitForUrl !== false) {
    port = await vi.waitFor(
      () => {
        const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=/.exec(out);
        if (!m) throw new Error(`expected the launch URL, found:\n${out}`);
        return Number(m[1]);
      },
      { timeout: 30_000, interval: 50 },
    );
  }
  const origin = `http://127.0.0.1:${port}`;
  return {
    child,
    origin,
    port,
    output: () => out,
    api: (pathname, init = {}, timeoutMs = 10_000) =>
      fetch(`${origin}${pathname}`, {
        ...init,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { Authorization: `Bearer ${TOKEN}`, Origin: origin, ...(init.headers ?? {}) },
      }),
    terminate: async (ms = 15_000) => {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        child.then((r) => r.exitCode ?? null),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), ms);
        }),
      ]);
      clearTimeout(timer);
      return result === 'timeout' ? null : result;
    },
  };
}

/** How long /api/health took to answer, or Infinity when it did not within `timeoutMs`. */
export async function healthLatency(origin: string, timeoutMs = 2000): Promise<number> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok ? performance.now() - t0 : Infinity;
  } catch {
    return Infinity;
  }
}
