/**
 * Records every process the runner starts (PTY shells, sandbox processes) in pid files, so that
 * the next start can stop what a crashed run (kill -9, power loss, an uncaught exception) left behind.
 *
 * Layout: `DOJO_HOME/run/<runner pid>/runner.json` names the runner (pid + kernel start time), and
 * `DOJO_HOME/run/<runner pid>/<pid>.json` one process each. A record is written before the runner
 * relies on the process and removed when the process is stopped; a clean shutdown removes the folder.
 *
 * Reaping (`reapLeftovers`, on every start) skips folders whose runner is still alive (two runners
 * may share a DOJO_HOME) and, for a dead runner, kills a recorded process only when its pid still
 * belongs to the process that was recorded: the kernel start time must match, so a reused pid is
 * never touched. A PTY record stands for the shell's whole session (background and `nohup` jobs
 * included). Kills are SIGHUP + SIGTERM first, SIGKILL for what is still alive after a grace period.
 */
import { readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import createDebug from 'debug';
import { ensurePrivateDir, writePrivateFile } from './private-files.ts';
import { z } from 'zod';
import {
  descendants,
  processInfo,
  sameProcess,
  processesWithEnv,
  sessionMembers,
  signal,
  type ProcessInfo,
} from '../sandbox/process-table.ts';

const debug = createDebug('dojo:reaper');

const processRecordSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.string(),
  /** pty: a shell leading its own session; sandbox: a service process (and its descendants). */
  kind: z.enum(['pty', 'sandbox']),
  lab: z.string(),
  command: z.string(),
  recordedAt: z.string(),
  /**
   * pty: the value of TERMINAL_MARKER in the shell's environment. Jobs that left the shell's
   * session (`setsid`, daemons) still carry it, so they are found and stopped with the shell.
   */
  marker: z.string().optional(),
});
export type ProcessRecord = z.infer<typeof processRecordSchema>;

const runnerRecordSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.string(),
  startedAt: z.string(),
  argv: z.array(z.string()),
});

export interface ReapReport {
  /** Processes that were still alive and were stopped. */
  killed: { pid: number; kind: string; lab: string; command: string }[];
  /** Runners that are still alive; their processes were left alone. */
  liveRunners: number[];
  /** Records whose pid now belongs to another process (or to nothing). */
  gone: number;
}

const GRACE_MS = 2000;

/** The variable every lab shell gets with a random value, recorded with its pid (see ProcessRecord.marker). */
export const TERMINAL_MARKER = 'DOJO_TERMINAL_ID';

async function waitGone(targets: ProcessInfo[], ms: number): Promise<ProcessInfo[]> {
  const deadline = Date.now() + ms;
  let alive = targets;
  while (alive.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    alive = alive.filter((p) => sameProcess(p.pid, p.startTime));
  }
  return alive;
}

/** Stops processes: polite signals first, SIGKILL for the ones still there after the grace period. */
export async function stopProcesses(targets: ProcessInfo[], graceMs = GRACE_MS): Promise<void> {
  for (const p of targets) {
    signal(p.pid, 'SIGHUP');
    signal(p.pid, 'SIGTERM');
  }
  const stubborn = await waitGone(targets, graceMs);
  for (const p of stubborn) signal(p.pid, 'SIGKILL');
  const left = await waitGone(stubborn, graceMs);
  if (left.length)
    debug(
      'still alive after SIGKILL: %o',
      left.map((p) => p.pid),
    );
}

/** What a record stands for right now: the live processes to stop (empty if the pid was reused or is gone). */
export function targetsOf(record: ProcessRecord): ProcessInfo[] {
  const leader = processInfo(record.pid);
  const leaderIsOurs = leader !== null && leader.startTime === record.startTime;
  if (record.kind === 'pty') {
    // A reused pid (alive, other start time) means the session is long gone: touch nothing.
    if (leader !== null && !leaderIsOurs) return [];
    const members = sessionMembers(record.pid, record.startTime);
    if (!record.marker) return members;
    // Identity: the random marker of this very shell, in a process started after it.
    const marked = processesWithEnv(TERMINAL_MARKER, record.marker, record.startTime);
    return [...members, ...marked.filter((p) => !members.some((m) => m.pid === p.pid))];
  }
  if (!leaderIsOurs) return [];
  return [leader, ...descendants(record.pid)];
}

export class Reaper {
  readonly runDir: string;
  private readonly ownDir: string;
  private readonly records = new Map<number, ProcessRecord>();

  constructor(dojoHome: string) {
    this.runDir = path.join(dojoHome, 'run');
    this.ownDir = path.join(this.runDir, String(process.pid));
  }

  /** Writes this runner's own record; call once at start, before recording any process. */
  open(): this {
    ensurePrivateDir(this.runDir);
    ensurePrivateDir(this.ownDir);
    const me = processInfo(process.pid);
    writePrivateFile(
      path.join(this.ownDir, 'runner.json'),
      JSON.stringify({
        pid: process.pid,
        startTime: me?.startTime ?? '',
        startedAt: new Date().toISOString(),
        argv: process.argv,
      }),
    );
    return this;
  }

  /** Records a process this runner started. Synchronous on purpose: the record must exist before a crash can. */
  record(pid: number, kind: ProcessRecord['kind'], lab: string, command: string, marker?: string): void {
    const info = processInfo(pid);
    if (!info) return; // already gone: nothing to reap later
    const record: ProcessRecord = {
      pid,
      startTime: info.startTime,
      kind,
      lab,
      command,
      recordedAt: new Date().toISOString(),
      ...(marker ? { marker } : {}),
    };
    ensurePrivateDir(this.runDir);
    ensurePrivateDir(this.ownDir);
    writePrivateFile(path.join(this.ownDir, `${pid}.json`), JSON.stringify(record));
    this.records.set(pid, record);
  }

  release(pid: number): void {
    this.records.delete(pid);
    try {
      unlinkSync(path.join(this.ownDir, `${pid}.json`));
    } catch {
      // already removed
    }
  }

  /** The records of this runner's live processes. */
  current(): ProcessRecord[] {
    return [...this.records.values()];
  }

  /** Last resort on process exit (including crashes): SIGKILL everything recorded, synchronously. */
  killAllSync(): void {
    for (const record of this.records.values()) {
      for (const p of targetsOf(record)) signal(p.pid, 'SIGKILL');
    }
  }

  /** Stops every recorded process of runners that are no longer running, and removes their records. */
  async reapLeftovers(): Promise<ReapReport> {
    const report: ReapReport = { killed: [], liveRunners: [], gone: 0 };
    let dirs: string[];
    try {
      dirs = readdirSync(this.runDir);
    } catch {
      return report;
    }
    for (const name of dirs) {
      const dir = path.join(this.runDir, name);
      if (dir === this.ownDir) continue;
      const runner = runnerRecordSchema.safeParse(readJson(path.join(dir, 'runner.json')));
      if (runner.success && sameProcess(runner.data.pid, runner.data.startTime)) {
        report.liveRunners.push(runner.data.pid);
        continue;
      }
      const targets: ProcessInfo[] = [];
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => /^\d+\.json$/.test(f));
      } catch {
        // not a folder
      }
      for (const file of files) {
        const parsed = processRecordSchema.safeParse(readJson(path.join(dir, file)));
        if (!parsed.success) {
          debug('ignoring unreadable record %s', path.join(dir, file));
          continue;
        }
        const found = targetsOf(parsed.data);
        if (!found.length) report.gone++;
        for (const p of found) {
          if (targets.some((t) => t.pid === p.pid)) continue;
          targets.push(p);
          report.killed.push({
            pid: p.pid,
            kind: parsed.data.kind,
            lab: parsed.data.lab,
            command: parsed.data.command,
          });
        }
      }
      await stopProcesses(targets);
      rmSync(dir, { recursive: true, force: true });
    }
    debug('reaped %o', report);
    return report;
  }

  /** Removes this runner's records (after a clean shutdown stopped everything). */
  close(): void {
    this.records.clear();
    rmSync(this.ownDir, { recursive: true, force: true });
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
