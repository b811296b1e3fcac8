/**
 * `npm start` when the port is taken (issue 12, item 7): a clear message naming who holds it and
 * the fix, exit code 1, never Node's raw `listen EADDRINUSE` stack. Real `dojo start` processes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { fixtureLabsDir, fixtureSandboxesDir, TOKEN } from '../helpers/runner-harness.ts';

const dojo = path.join(repoRoot, 'bin', 'dojo.mjs');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function home(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dojo-port-home-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function dojoStart(dojoHome: string, port: number) {
  return execa(process.execPath, [dojo, 'start', '--port', String(port), '--no-open', '--no-build'], {
    env: {
      DOJO_HOME: dojoHome,
      DOJO_TOKEN: TOKEN,
      DOJO_LABS_DIR: fixtureLabsDir,
      DOJO_SANDBOXES_DIR: fixtureSandboxesDir,
      SHELL: '/bin/bash',
    },
    all: true,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
}

describe('dojo start on a port that is taken', () => {
  it('names another program as the holder and says how to pick another port', async () => {
    // Some other program: it accepts connections and hangs up without a word.
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;

    const r = await dojoStart(await home(), port);
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain(`port ${port} on 127.0.0.1 is already in use by another program`);
    expect(r.all).toContain(`npm start -- --port ${port + 1}`);
    expect(r.all).not.toMatch(/EADDRINUSE|\n\s+at /);
  });

  it('names another GitOps Dojo runner (another DOJO_HOME) as the holder', async () => {
    const first = execa(process.execPath, [dojo, 'start', '--port', '0', '--no-open', '--no-build'], {
      env: {
        DOJO_HOME: await home(),
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
    cleanups.push(async () => {
      first.kill('SIGTERM');
      await first;
    });
    let out = '';
    first.all?.on('data', (c: Buffer) => (out += c.toString()));
    const port = await vi.waitFor(
      () => {
        const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=/.exec(out);
        if (!m) throw new Error(`expected the launch URL, found:\n${out}`);
        return Number(m[1]);
      },
      { timeout: 30_000, interval: 50 },
    );

    const second = await dojoStart(await home(), port);
    expect(second.exitCode).toBe(1);
    expect(second.all).toContain(
      `another GitOps Dojo runner (with another DOJO_HOME) is already serving http://127.0.0.1:${port}`,
    );
    expect(second.all).not.toMatch(/EADDRINUSE|\n\s+at /);
  });
});
