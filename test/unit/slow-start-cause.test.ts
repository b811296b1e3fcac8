/**
 * The slow-start notice names a stale pyenv rehash lock: the cause of CI's one-minute shell starts
 * (a shell killed mid-start left it) and a common one on learners' machines.
 */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { slowStartCause } from '../../src/runner/terminal/slow-start-cause.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function pyenvRoot(lockAgeMs: number | null): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'dojo-pyenv-'));
  dirs.push(root);
  await mkdir(path.join(root, 'shims'));
  if (lockAgeMs !== null) {
    const lock = path.join(root, 'shims', '.pyenv-shim');
    await writeFile(lock, '');
    const when = new Date(Date.now() - lockAgeMs);
    await utimes(lock, when, when);
  }
  return root;
}

describe('slowStartCause', () => {
  it('names a pyenv rehash lock left minutes ago, with how to remove it', async () => {
    const root = await pyenvRoot(5 * 60_000);
    const lock = path.join(root, 'shims', '.pyenv-shim');
    expect(slowStartCause({ PYENV_ROOT: root })).toBe(
      `pyenv's rehash lock ${lock} was left 5 min ago, and pyenv waits up to 60 s for it at every shell start. If no \`pyenv rehash\` is running, delete it: rm ${lock}`,
    );
  });

  it('finds it under ~/.pyenv when PYENV_ROOT is not set', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-home-'));
    dirs.push(home);
    await mkdir(path.join(home, '.pyenv', 'shims'), { recursive: true });
    const lock = path.join(home, '.pyenv', 'shims', '.pyenv-shim');
    await writeFile(lock, '');
    const when = new Date(Date.now() - 3 * 3600_000);
    await utimes(lock, when, when);
    expect(slowStartCause({ HOME: home })).toMatch(/was left 3 h ago/);
  });

  it('says nothing of a lock a rehash holds right now, of no lock, or of no pyenv', async () => {
    expect(slowStartCause({ PYENV_ROOT: await pyenvRoot(1000) })).toBeNull();
    expect(slowStartCause({ PYENV_ROOT: await pyenvRoot(null) })).toBeNull();
    expect(slowStartCause({ PYENV_ROOT: path.join(os.tmpdir(), 'no-such-pyenv-root') })).toBeNull();
    expect(slowStartCause({})).toBeNull();
  });
});
