/**
 * The reaper with real processes: it kills what a dead runner recorded, and nothing else: not a
 * process whose pid no longer matches the recorded start time, not the processes of a live runner.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
import { Reaper } from '../../src/runner/reaper.ts';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const alive = (pid: number) => processInfo(pid) !== null;

function sleeper() {
  const child = execa('sleep', ['600'], { reject: false });
  return { pid: child.pid!, child, [Symbol.asyncDispose]: async () => void (child.kill('SIGKILL'), await child) };
}

function writeRun(home: string, runnerPid: number, runnerStart: string, records: { pid: number; startTime: string }[]) {
  const dir = path.join(home, 'run', String(runnerPid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'runner.json'),
    JSON.stringify({ pid: runnerPid, startTime: runnerStart, startedAt: new Date().toISOString(), argv: [] }),
  );
  for (const r of records) {
    writeFileSync(
      path.join(dir, `${r.pid}.json`),
      JSON.stringify({ ...r, kind: 'sandbox', lab: 'x', command: 'sleep', recordedAt: new Date().toISOString() }),
    );
  }
  return dir;
}

describe('Reaper', () => {
  it('kills the recorded processes of a dead runner, but never a reused pid', async () => {
    await using home = await tempDir('reaper');
    await using ours = sleeper();
    await using stranger = sleeper();
    await vi.waitFor(() => expect(alive(ours.pid) && alive(stranger.pid)).toBe(true));
    // A runner pid that cannot be alive (above the kernel's pid_max) recorded both sleepers; the
    // stranger's record carries another start time, as if its pid had been reused since.
    writeRun(home.path, 999_999_999, '1', [
      { pid: ours.pid, startTime: processInfo(ours.pid)!.startTime },
      { pid: stranger.pid, startTime: '12345' },
    ]);
    const report = await new Reaper(home.path).reapLeftovers();
    expect(report.killed.map((k) => k.pid)).toEqual([ours.pid]);
    expect(report.gone).toBe(1);
    await vi.waitFor(() => expect(alive(ours.pid)).toBe(false));
    expect(alive(stranger.pid)).toBe(true);
  });

  it('leaves the processes of a runner that is still alive alone', async () => {
    await using home = await tempDir('reaper-live');
    await using theirs = sleeper();
    await vi.waitFor(() => expect(alive(theirs.pid)).toBe(true));
    // "Another runner": the process that started this test worker, alive with its real start time.
    writeRun(home.path, process.ppid, processInfo(process.ppid)!.startTime, [
      { pid: theirs.pid, startTime: processInfo(theirs.pid)!.startTime },
    ]);
    const report = await new Reaper(home.path).reapLeftovers();
    expect(report.liveRunners).toEqual([process.ppid]);
    expect(report.killed).toEqual([]);
    expect(alive(theirs.pid)).toBe(true);
  });
});
