/**
 * `npm run dev`: Astro's dev server with the runner mounted by src/runner/astro-integration.ts.
 * The same API, the same checks and a working terminal, next to Vite's pages and HMR.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../src/sandbox/free-port.ts';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import { connectTerminal, TOKEN } from '../helpers/runner-harness.ts';

let home: string;
let port: number;
let origin: string;
let dev: ReturnType<typeof startDev>;
let output = '';
let exited: string | undefined;

function startDev() {
  return execa(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules', 'astro', 'bin', 'astro.mjs'),
      'dev',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    {
      cwd: repoRoot,
      // Not the test runner's environment: Vitest sets NODE_ENV=test, which changes how Astro serves pages.
      extendEnv: false,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? home,
        DOJO_HOME: home,
        DOJO_TOKEN: TOKEN,
        ASTRO_TELEMETRY_DISABLED: '1',
        SHELL: '/bin/bash',
        // The lab shell runs this machine's ~/.bashrc, whose `pyenv init` waits up to 60 s for a rehash
        // lock that a shell killed mid-start elsewhere in the suite can leave behind; .ci/run bounds that
        // wait (PYENV_REHASH_TIMEOUT), and this test's shell must get the bound too (ci20 failed without it).
        ...(process.env['PYENV_REHASH_TIMEOUT'] ? { PYENV_REHASH_TIMEOUT: process.env['PYENV_REHASH_TIMEOUT'] } : {}),
      },
      all: true,
      buffer: false,
      reject: false,
      stdin: 'ignore',
    },
  );
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'dojo-dev-home-'));
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  dev = startDev();
  void dev.then((r) => {
    exited = `exited with ${r.exitCode ?? r.signal}`;
  });
  dev.all?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  await vi.waitFor(
    () => {
      if (!output.includes('runner API mounted') || !/ready in \d+/.test(output)) {
        throw new Error(`expected the dev server to start (${exited ?? 'still running'}), found:\n${output}`);
      }
    },
    // Content sync on two cores, possibly next to another build: generous.
    { timeout: 120_000, interval: 100 },
  );
}, 150_000);

afterAll(async () => {
  dev.kill('SIGKILL');
  await dev;
  await rm(home, { recursive: true, force: true });
});

describe('npm run dev (astro dev + runner integration)', () => {
  it('prints the token URL and serves pages through Vite', async () => {
    expect(output).toContain(`Open ${origin}/?token=${TOKEN}`);
    const page = await fetch(`${origin}/labs/terraform-state/`);
    const html = await page.text();
    expect(page.status, html.slice(0, 2000)).toBe(200);
    expect(html).toContain('<dojo-terminal');
  });

  it('applies the same checks: token, Origin, Host', async () => {
    expect((await fetch(`${origin}/api/health`)).status).toBe(200);
    expect((await fetch(`${origin}/api/labs/terraform-state/session`)).status).toBe(401);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${origin}/api/labs/terraform-state/session`, { headers: auth })).status).toBe(200);
    const post = await fetch(`${origin}/api/labs/terraform-state/session`, {
      method: 'DELETE',
      headers: { ...auth, Origin: 'http://evil.example' },
    });
    expect(post.status).toBe(403);
    const rebinding = await new Promise<number>((resolve, reject) => {
      http
        .get(`${origin}/api/health`, { headers: { Host: `evil.example:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(rebinding).toBe(403);
    const swap = await fetch(`${origin}/?token=${TOKEN}`, { redirect: 'manual' });
    expect(swap.status).toBe(302);
    expect(swap.headers.get('set-cookie')).toMatch(/^dojo_session_\d+=.*HttpOnly; SameSite=Strict/);
  });

  it('opens a working terminal over the dev server, and refuses a foreign Origin', async () => {
    const term = await connectTerminal(origin, 'terraform-state');
    const { pid } = await term.attached;
    term.type('echo dev-$((40+2))\r');
    await term.waitForText('dev-42');
    await term.close();
    await expect(
      connectTerminal(origin, 'terraform-state', { headers: { Origin: 'http://evil.example' } }),
    ).rejects.toThrow('HTTP 403');
    // The dev server going away takes its shells with it.
    dev.kill('SIGTERM');
    await dev;
    await vi.waitFor(() => expect(processInfo(pid)).toBeNull(), { timeout: 10_000 });
  });
});
