/**
 * Issue 12, items 3 and 5, against a real `dojo start` process:
 *
 * - a write-locked database: the background re-check waits, retries and logs; the runner lives;
 * - a background re-check that outlives its runner's database logs nothing (it has nowhere to go);
 * - a corrupt database: `dojo start` names the file, what it found and the fix, after reaping;
 * - a 500 always logs its cause (no DEBUG needed);
 * - revealing a solution is a POST with the Origin check, never a GET;
 * - 12 parallel 16 MiB recording uploads are streamed to disk (peak RSS measured);
 * - DOJO_HOME is 0700 and the runner's data files 0600 under umask 022.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { workspaceDir } from '../../src/shared/paths.ts';
import { RECORDING_MAX_BYTES } from '../../src/shared/interview-api.ts';
import { startDojo, tempHome, type DojoProcess } from '../helpers/dojo-process.ts';
import { startTestRunner, TOKEN } from '../helpers/runner-harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const alive = (pid: number) => processInfo(pid) !== null;
const json = { 'Content-Type': 'application/json' };

async function sandboxRunning(dojo: DojoProcess): Promise<void> {
  expect((await dojo.api('/api/labs/sleepy-lab/session', { method: 'POST' })).status).toBe(202);
  await vi.waitFor(
    async () => {
      const s = (await (await dojo.api('/api/labs/sleepy-lab/session')).json()) as { state: string };
      expect(s.state).toBe('running');
    },
    { timeout: 20_000 },
  );
}

function statusLine(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
}

describe('database trouble (item 3)', () => {
  it('survives a write-locked database during a background re-check: retried, logged, delivered', async () => {
    const home = await tempHome(cleanups);
    const dojo = await startDojo(home, cleanups);
    let exited = false;
    void dojo.child.then(() => (exited = true));
    await sandboxRunning(dojo);
    const controller = new AbortController();
    cleanups.push(async () => controller.abort());
    const stream = await fetch(`${dojo.origin}/api/labs/sleepy-lab/watch`, {
      headers: { Authorization: 'Bearer integration-token' },
      signal: controller.signal,
    });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let events = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
        if (done) return;
        events += value;
      }
    })();
    // Another process holds the write lock for 9 s (a CLI run, a backup tool): longer than any busy_timeout.
    const locker = new DatabaseSync(path.join(home, 'dojo.sqlite'));
    locker.exec('PRAGMA busy_timeout = 0; BEGIN IMMEDIATE');
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(path.join(workspaceDir(home, 'sleepy-lab'), 'main.tf'), '# saved by the learner\n');
    await new Promise((r) => setTimeout(r, 9000));
    expect(exited, `the runner exited:\n${dojo.output()}`).toBe(false);
    locker.exec('COMMIT');
    locker.close();
    await vi.waitFor(() => expect(events).toContain('event: check'), { timeout: 20_000 });
    expect((await dojo.api('/api/health')).status).toBe(200);
    expect(dojo.output()).toMatch(/database is locked/);
    controller.abort();
    await reading;
    expect(await dojo.terminate()).toBe(0);
  });

  it('logs nothing for a background re-check cut short by the runner closing its database', async () => {
    // The runner in this process, as the e2e suite and `npm run dev` embed it: the process outlives
    // the database. CI's e2e run printed "background re-check of terraform-state failed: Error:
    // database is not open" for a check that finished after its runner had closed.
    const r = await startTestRunner({ labRoutes: true });
    cleanups.push(async () => rm(r.home, { recursive: true, force: true }));
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    });
    cleanups.push(async () => spy.mockRestore());
    const headers = { Authorization: `Bearer ${TOKEN}`, Origin: r.runner.origin };
    const base = `${r.runner.origin}/api/labs/sleepy-lab`;
    expect((await fetch(`${base}/session`, { method: 'POST', headers })).status).toBe(202);
    await vi.waitFor(
      async () =>
        expect(((await (await fetch(`${base}/session`, { headers })).json()) as { state: string }).state).toBe(
          'running',
        ),
      { timeout: 20_000 },
    );
    const controller = new AbortController();
    await fetch(`${base}/watch`, { headers, signal: controller.signal });
    // Another process holds the write lock: the re-check's result waits to be saved (0.5 s, then retries).
    const locker = new DatabaseSync(path.join(r.home, 'dojo.sqlite'));
    locker.exec('PRAGMA busy_timeout = 0; BEGIN IMMEDIATE');
    cleanups.push(async () => {
      locker.exec('ROLLBACK');
      locker.close();
    });
    await writeFile(path.join(workspaceDir(r.home, 'sleepy-lab'), 'main.tf'), '# saved by the learner\n');
    await vi.waitFor(() => expect(errors.join('\n')).toMatch(/database is locked by another process; trying again/), {
      timeout: 20_000,
    });
    controller.abort();
    await r.runner.close();
    r.ctx.db.close();
    // The retry comes due after the database closed.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(errors.join('\n')).not.toMatch(/background re-check of sleepy-lab failed/);
  });

  it('refuses a corrupt database naming the file, what was found and the fix, and still reaps leftovers', async () => {
    const home = await tempHome(cleanups);
    const file = path.join(home, 'dojo.sqlite');
    writeFileSync(file, Buffer.concat([Buffer.from('this is not a database\n'), Buffer.alloc(8192, 0x5a)]));
    // A process recorded by a runner that died: the start must stop it even though it then refuses.
    const leftover = execa('sleep', ['613'], { reject: false });
    cleanups.push(async () => {
      leftover.kill('SIGKILL');
      await leftover;
    });
    await vi.waitFor(() => expect(alive(leftover.pid!)).toBe(true));
    const dead = path.join(home, 'run', '999999999');
    mkdirSync(dead, { recursive: true });
    writeFileSync(
      path.join(dead, 'runner.json'),
      JSON.stringify({ pid: 999999999, startTime: '1', startedAt: '', argv: [] }),
    );
    writeFileSync(
      path.join(dead, `${leftover.pid}.json`),
      JSON.stringify({
        pid: leftover.pid,
        startTime: processInfo(leftover.pid!)!.startTime,
        kind: 'sandbox',
        lab: 'sleepy-lab',
        command: 'sleep',
        recordedAt: new Date().toISOString(),
      }),
    );
    const dojo = await startDojo(home, cleanups, { waitForUrl: false });
    const result = await dojo.child;
    const out = dojo.output();
    expect(result.exitCode).toBe(1);
    expect(out).toContain(file);
    expect(out).toMatch(/not a database/);
    expect(out).toMatch(/Fix: move it aside/);
    expect(out).toContain(`mv "${file}" "${file}.broken-`);
    expect(out).toMatch(/Stopped 1 process\(es\) left by an earlier run/);
    await vi.waitFor(() => expect(alive(leftover.pid!)).toBe(false));
  });

  it('logs the cause of every 500, without DEBUG', async () => {
    const home = await tempHome(cleanups);
    // A file where the workspaces folder belongs: a check cannot create the lab's workspace.
    await mkdir(home, { recursive: true });
    writeFileSync(path.join(home, 'workspaces'), 'not a folder');
    const dojo = await startDojo(home, cleanups);
    const res = await dojo.api('/api/labs/sleepy-lab/steps/look-around/check', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/see its log/) });
    await vi.waitFor(() =>
      expect(dojo.output()).toMatch(
        /500 on POST \/api\/labs\/sleepy-lab\/steps\/look-around\/check: .*(ENOTDIR|EEXIST)/,
      ),
    );
    expect(await dojo.terminate()).toBe(0);
  });
});

describe('cross-port and data safety (item 5)', () => {
  it("reveals a solution only by POST from the runner's own origin; a GET changes nothing", async () => {
    const dojo = await startDojo(await tempHome(cleanups), cleanups);
    const revealed = async () =>
      ((await (await dojo.api('/api/labs/sleepy-lab/progress')).json()) as { steps: { solutionRevealed: boolean }[] })
        .steps[0]!.solutionRevealed;
    const url = '/api/labs/sleepy-lab/steps/look-around/solution';
    expect((await dojo.api(url)).status).toBe(405);
    const otherPort = `http://127.0.0.1:${dojo.port + 1}`;
    expect((await dojo.api(url, { method: 'POST', headers: { ...json, Origin: otherPort }, body: '{}' })).status).toBe(
      403,
    );
    expect(await revealed()).toBe(false);
    const res = await dojo.api(url, { method: 'POST', headers: json, body: '{}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ step: 'look-around', script: expect.stringContaining('solution ran') });
    expect(await revealed()).toBe(true);
    expect(await dojo.terminate()).toBe(0);
  });

  it('streams 12 parallel 16 MiB recording uploads to disk without holding them in memory', async () => {
    const home = await tempHome(cleanups);
    const dojo = await startDojo(home, cleanups);
    const pid = dojo.child.pid!;
    const attempts: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await dojo.api('/api/interview/attempts', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          questionId: 'why-remote-state',
          mode: 'practice',
          answerKind: 'audio',
          answerText: '',
          durationMs: 60_000,
          timeLimitMs: null,
        }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      attempts.push(((await res.json()) as { id: string }).id);
    }
    const body = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(RECORDING_MAX_BYTES - 4, 7)]);
    const before = statusLine(pid, 'VmRSS');
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets the peak (VmHWM) to the current RSS
    const answers = await Promise.all(
      attempts.map((id) =>
        dojo.api(
          `/api/interview/attempts/${id}/recording?durationMs=60000`,
          { method: 'PUT', headers: { 'Content-Type': 'audio/webm' }, body },
          60_000,
        ),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(attempts.map(() => 201));
    const peak = statusLine(pid, 'VmHWM') - before;
    console.log(`runner peak RSS during 12 parallel 16 MiB uploads: +${Math.round(peak / 2 ** 20)} MiB`);
    expect(peak).toBeLessThan(100 * 2 ** 20);
    const files = readdirSync(path.join(home, 'recordings'));
    expect(files).toHaveLength(12);
    for (const f of files) expect(statSync(path.join(home, 'recordings', f)).size).toBe(RECORDING_MAX_BYTES);
    expect(await dojo.terminate()).toBe(0);
  });

  it("keeps DOJO_HOME 0700 and the runner's data files 0600 under umask 022", async () => {
    const home = path.join(await tempHome(cleanups), 'fresh-home');
    const dojo = await startDojo(home, cleanups);
    await sandboxRunning(dojo);
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(process.umask() & 0o077).toBe(0o022 & 0o077);
    expect(mode(home).toString(8)).toBe('700');
    const own = ['dojo.sqlite', 'dojo.sqlite-wal', 'dojo.sqlite-shm', 'runner.lock'];
    for (const f of own) expect(`${f} ${mode(path.join(home, f)).toString(8)}`).toBe(`${f} 600`);
    const run = path.join(home, 'run');
    expect(mode(run).toString(8)).toBe('700');
    for (const dir of readdirSync(run)) {
      expect(mode(path.join(run, dir)).toString(8)).toBe('700');
      for (const f of readdirSync(path.join(run, dir)))
        expect(`${f} ${mode(path.join(run, dir, f)).toString(8)}`).toBe(`${f} 600`);
    }
    expect(await dojo.terminate()).toBe(0);
  });
});
