/**
 * One runner per data folder. Two runners on one DOJO_HOME would each start their own, empty
 * emulator for the same lab and drive the same workspaces and database: the learner's buckets
 * would seem to vanish depending on which tab they used (issue 12). So `DOJO_HOME/runner.lock`
 * names the runner that owns the folder (pid + kernel start time, so a reused pid is not mistaken
 * for it, and the URL it serves); a second runner is refused with that URL and the fix. A lock
 * whose runner is gone (kill -9, power loss) is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { processInfo, sameProcess } from '../sandbox/process-table.ts';
import { ensurePrivateDir } from './private-files.ts';

const lockSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.string(),
  startedAt: z.string(),
  /** The origin the runner serves (no token), once it listens. */
  url: z.string().optional(),
});
type LockRecord = z.infer<typeof lockSchema>;

export class HomeLockedError extends Error {
  readonly holder: LockRecord;
  constructor(dojoHome: string, holder: LockRecord) {
    const where = holder.url ? `, serving ${holder.url}` : '';
    super(
      `expected to be the only GitOps Dojo runner using DOJO_HOME=${dojoHome}, found another one running (pid ${holder.pid}, started ${holder.startedAt}${where}). ` +
        `Two runners on one data folder would each start their own empty sandbox for the same lab. ` +
        `Fix: use the one that runs${holder.url ? ` (${holder.url}; its URL with the token was printed where it started)` : ''}, ` +
        `stop it first (Ctrl-C where it runs, or kill ${holder.pid}), or set DOJO_HOME to another folder.`,
    );
    this.name = 'HomeLockedError';
    this.holder = holder;
  }
}

export interface HomeLock {
  readonly file: string;
  /** Records the URL this runner serves, for the message a second runner prints. */
  setUrl(url: string): void;
  release(): void;
}

export function lockFile(dojoHome: string): string {
  return path.join(dojoHome, 'runner.lock');
}

function readLock(file: string): LockRecord | null {
  try {
    const parsed = lockSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Takes DOJO_HOME for this process, or throws HomeLockedError naming the runner that has it. */
export function acquireHomeLock(dojoHome: string): HomeLock {
  ensurePrivateDir(dojoHome);
  const file = lockFile(dojoHome);
  const me = processInfo(process.pid);
  const record: LockRecord = { pid: process.pid, startTime: me?.startTime ?? '', startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(record), { flag: 'wx', mode: 0o600 });
      return handle(file, record);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (holder && holder.pid !== process.pid && sameProcess(holder.pid, holder.startTime)) {
      throw new HomeLockedError(dojoHome, holder);
    }
    // Left by a runner that is gone (or unreadable, or our own): take it over.
    try {
      unlinkSync(file);
    } catch {
      // another runner removed it first; the next attempt decides
    }
  }
  throw new HomeLockedError(dojoHome, readLock(file) ?? record);
}

function handle(file: string, record: LockRecord): HomeLock {
  let current = record;
  return {
    file,
    setUrl(url) {
      current = { ...current, url };
      writeFileSync(file, JSON.stringify(current), { mode: 0o600 });
    },
    release() {
      const holder = readLock(file);
      if (holder && holder.pid === record.pid && holder.startTime === record.startTime) {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      }
    },
  };
}
