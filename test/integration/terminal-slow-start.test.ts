/**
 * A shell whose start-up files are slow (a pyenv or nvm init, a stale lock they wait on) leaves the
 * lab terminal blank. The page must say why and how to find the cause, then say how long it took.
 * Real runner, real PTY; the "shell" is a script that sleeps before it execs bash, as a slow
 * ~/.bashrc would.
 */
import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/shared/terminal-protocol.ts';
import { startTestRunner } from '../helpers/runner-harness.ts';

let dir: string;
const pyenvRoot = process.env['PYENV_ROOT'];
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dojo-slow-shell-'));
  // The shells' environment comes from this process: a pyenv of its own, so that this machine's
  // pyenv (and a stale lock it may have) does not change the notice.
  process.env['PYENV_ROOT'] = path.join(dir, 'pyenv');
  await mkdir(path.join(dir, 'pyenv', 'shims'), { recursive: true });
  // --norc: the machine's own ~/.bashrc must not decide how fast the "fast" shell is.
  await writeFile(path.join(dir, 'slow-bash'), '#!/bin/sh\nsleep 2\nexec /bin/bash --norc -i\n');
  await writeFile(path.join(dir, 'fast-bash'), '#!/bin/sh\nexec /bin/bash --norc -i\n');
  await chmod(path.join(dir, 'slow-bash'), 0o755);
  await chmod(path.join(dir, 'fast-bash'), 0o755);
});
afterAll(async () => {
  if (pyenvRoot === undefined) delete process.env['PYENV_ROOT'];
  else process.env['PYENV_ROOT'] = pyenvRoot;
  await rm(dir, { recursive: true, force: true });
});

const notices = (messages: ServerMessage[]) => messages.flatMap((m) => (m.type === 'notice' ? [m.message] : []));

describe('a shell that is slow to start', () => {
  it('gets a notice while the terminal is blank, and one saying how long it took once it prints', async () => {
    await using t = await startTestRunner({ shell: path.join(dir, 'slow-bash'), slowStartMs: 500 });
    const term = await t.terminal('sleepy-lab');
    await term.attached;
    await expect
      .poll(() => notices(term.messages), { timeout: 5000 })
      .toContainEqual(
        expect.stringMatching(
          /^No prompt after 1 s: slow-bash is still running its start-up files .*time slow-bash -ic exit/,
        ),
      );
    // Nothing from the shell yet: only the runner's banner.
    expect(term.text()).not.toMatch(/bash-\d/);
    // Typed into the blank terminal: the kernel echoes it, which must not count as the shell's prompt.
    term.type('echo started-$((40+2))\r');
    await term.waitForText('started-42', 10_000);
    await expect
      .poll(() => notices(term.messages), { timeout: 5000 })
      .toContainEqual(
        expect.stringMatching(/^The shell took ([2-9]|\d\d+)\.\d s to start: its start-up files are slow/),
      );
    await term.close();
  });

  it('names a stale pyenv rehash lock as the likely cause, with the command that removes it', async () => {
    const lock = path.join(dir, 'pyenv', 'shims', '.pyenv-shim');
    await writeFile(lock, '');
    const when = new Date(Date.now() - 20 * 60_000);
    await utimes(lock, when, when);
    try {
      await using t = await startTestRunner({ shell: path.join(dir, 'slow-bash'), slowStartMs: 300 });
      const term = await t.terminal('sleepy-lab');
      await term.attached;
      await expect
        .poll(() => notices(term.messages), { timeout: 5000 })
        .toContainEqual(
          `No prompt after 0 s: slow-bash is still running its start-up files (~/.slow-bashrc and what it sources). pyenv's rehash lock ${lock} was left 20 min ago, and pyenv waits up to 60 s for it at every shell start. If no \`pyenv rehash\` is running, delete it: rm ${lock}`,
        );
      await term.close();
    } finally {
      await rm(lock, { force: true });
    }
  });

  it('repeats the notice to a page that attaches while the shell is still silent', async () => {
    await using t = await startTestRunner({ shell: path.join(dir, 'slow-bash'), slowStartMs: 300 });
    const first = await t.terminal('sleepy-lab');
    await first.attached;
    await expect.poll(() => notices(first.messages).length, { timeout: 5000 }).toBe(1);
    await first.close();
    const second = await t.terminal('sleepy-lab');
    expect((await second.attached).resumed).toBe(true);
    await expect
      .poll(() => notices(second.messages), { timeout: 1500 })
      .toContainEqual(expect.stringMatching(/^No prompt after/));
    await second.close();
  });

  it('says nothing about a shell that starts at once', async () => {
    await using t = await startTestRunner({ shell: path.join(dir, 'fast-bash'), slowStartMs: 3000 });
    const term = await t.terminal('sleepy-lab');
    await term.attached;
    term.type('echo fast-$((40+2))\r');
    await term.waitForText('fast-42', 10_000);
    await new Promise((r) => setTimeout(r, 3500));
    expect(notices(term.messages)).toEqual([]);
    await term.close();
  });
});
