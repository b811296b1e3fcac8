/**
 * A known cause of a slow shell start, found on disk, for the slow-start notice (terminal-session.ts).
 *
 * One so far, and a common one among the learners this is for: pyenv. `eval "$(pyenv init -)"` in
 * ~/.bashrc runs `pyenv rehash`, which takes the lock file $PYENV_ROOT/shims/.pyenv-shim and, while
 * another holder has it, waits for it up to PYENV_REHASH_TIMEOUT (60 s by default). A shell killed while
 * it held the lock (a crash, a kill -9, a terminal closed at the wrong moment: CI's suite does this)
 * leaves the file behind, and from then on every interactive bash on the machine, in the lab or not,
 * takes a minute to start. A rehash takes well under a second, so a lock older than STALE_MS is stale.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

const STALE_MS = 10_000;

function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

/** What is known to slow this shell's start, in a sentence with the fix, or null. */
export function slowStartCause(env: Readonly<Record<string, string | undefined>>, now = Date.now()): string | null {
  const home = env['HOME'];
  const root = env['PYENV_ROOT'] ?? (home ? path.join(home, '.pyenv') : undefined);
  if (!root) return null;
  const lock = path.join(root, 'shims', '.pyenv-shim');
  let mtime: number;
  try {
    mtime = statSync(lock).mtimeMs;
  } catch {
    return null;
  }
  const held = now - mtime;
  if (held < STALE_MS) return null;
  return `pyenv's rehash lock ${lock} was left ${age(held)} ago, and pyenv waits up to 60 s for it at every shell start. If no \`pyenv rehash\` is running, delete it: rm ${lock}`;
}
