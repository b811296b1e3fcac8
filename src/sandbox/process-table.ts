/**
 * What the reaper needs to know about processes: is a pid still the process we started (its start
 * time, which the kernel never reuses together with the pid), its session, its children.
 *
 * Linux reads /proc directly. Elsewhere (macOS) `ps` gives the start time; session sweeps fall
 * back to the process group, which is what a PTY's shell leads there too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Opaque, stable for the life of the process: clock ticks since boot on Linux, `lstart` elsewhere. */
  startTime: string;
}

const hasProc = process.platform === 'linux';

function parseStat(pid: number, text: string): ProcessInfo | null {
  // The command name (field 2) may contain spaces and parentheses: fields resume after the LAST ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); field N is fields[N - 3].
  const num = (n: number) => Number(fields[n - 3]);
  if (fields[0] === 'Z' || fields[0] === 'X') return null; // a zombie is already dead; only its parent can clear it
  return { pid, ppid: num(4), pgid: num(5), sid: num(6), startTime: fields[22 - 3] ?? '' };
}

export function processInfo(pid: number): ProcessInfo | null {
  if (!Number.isInteger(pid) || pid <= 1) return null;
  if (hasProc) {
    try {
      return parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return null;
    }
  }
  const r = spawnSync('ps', ['-o', 'ppid=,pgid=,sess=,stat=,lstart=', '-p', String(pid)], { encoding: 'utf8' });
  const line = r.stdout?.trim();
  if (r.status !== 0 || !line) return null;
  const [ppid, pgid, sid, stat, ...start] = line.split(/\s+/);
  if (stat?.startsWith('Z')) return null;
  return { pid, ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid), startTime: start.join(' ') };
}

/** Every live process (Linux: from /proc; elsewhere: from ps). */
export function allProcesses(): ProcessInfo[] {
  if (hasProc) {
    const out: ProcessInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = processInfo(Number(name));
      if (info) out.push(info);
    }
    return out;
  }
  const r = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,sess=,stat=,lstart='], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && !f[4]?.startsWith('Z'))
    .map(([pid, ppid, pgid, sid, , ...start]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      pgid: Number(pgid),
      sid: Number(sid),
      startTime: start.join(' '),
    }));
}

/** True when `pid` is alive and is the very process that had `startTime` (not a reused pid). */
export function sameProcess(pid: number, startTime: string): boolean {
  const info = processInfo(pid);
  return info !== null && info.startTime === startTime;
}

/**
 * The processes a PTY shell `leader` brought into being: its session on Linux (which includes
 * `nohup cmd &` jobs, which sit in their own process groups), its process group elsewhere.
 * Processes that started before the leader cannot belong to it and are never included.
 */
export function sessionMembers(leader: number, leaderStart: string): ProcessInfo[] {
  const table = allProcesses();
  const startedAfter = (p: ProcessInfo) => !hasProc || Number(p.startTime) >= Number(leaderStart);
  return table.filter(
    (p) => (hasProc ? p.sid === leader : p.pgid === leader) && startedAfter(p) && p.pid !== process.pid,
  );
}

/**
 * Live processes whose environment carries `name=value`, started no earlier than `notBefore` (a
 * start time of this table). Every process a shell starts inherits its environment, `setsid` and
 * double-forked daemons included, so a random marker set in the shell's environment finds the jobs
 * that left its session. Linux only (/proc/<pid>/environ, the environment at exec); elsewhere none.
 */
export function processesWithEnv(name: string, value: string, notBefore: string): ProcessInfo[] {
  if (!hasProc || !value) return [];
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: ProcessInfo[] = [];
  for (const p of allProcesses()) {
    if (p.pid === process.pid || Number(p.startTime) < Number(notBefore)) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${p.pid}/environ`);
    } catch {
      continue; // another user's process, or gone
    }
    // The variable is at the start or right after another one's terminating NUL.
    const at = environ.indexOf(needle);
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) out.push(p);
  }
  return out;
}

/** The live descendants of `pid` (children, grandchildren…), deepest last. */
export function descendants(pid: number): ProcessInfo[] {
  const table = allProcesses();
  const out: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift() as number;
    for (const p of table) {
      if (p.ppid === parent && !out.some((o) => o.pid === p.pid)) {
        out.push(p);
        queue.push(p.pid);
      }
    }
  }
  return out;
}

/** Sends a signal, ignoring "no such process" (it may have exited in the meantime). */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
