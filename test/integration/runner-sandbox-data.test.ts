/**
 * Issue 12, item 2 and the "Nothing lost" rule, through a real `dojo start` with the real
 * aws-emulator sandbox (moto_server) and a two-step lab (test/fixtures/data-labs/bucket-lab):
 *
 * - Stop, then Start: the bucket and its object are still there, and the API said so before;
 * - a runner restart (SIGTERM, start again on the same DOJO_HOME): still there;
 * - a killed moto_server: the session turns "failed" with what happened and the button to press,
 *   POST /session starts it again, with the data;
 * - data that could not survive (the kept data moved away, as with LocalStack): the failing check
 *   says the sandbox started empty after earlier passes and names "Rebuild earlier steps";
 *   the earlier pass is older than `dataSince`, which is what makes the page re-verify it;
 * - a second runner on the same DOJO_HOME is refused, naming the first one's URL;
 * - moto_server's environment has no DOJO_TOKEN.
 */
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionStatusSchema, type SessionStatus } from '../../src/shared/session-events.ts';
import { stepResultSchema } from '../../src/shared/check-result.ts';
import { labProgressSchema } from '../../src/shared/lab-api.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { emulatorClients } from '../helpers/aws-clients.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { startDojo, tempHome, type DojoProcess } from '../helpers/dojo-process.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const labsDir = path.join(repoRoot, 'test', 'fixtures', 'data-labs');
const sandboxesDir = path.join(repoRoot, 'sandboxes');
const LAB = '/api/labs/bucket-lab';
const json = { 'Content-Type': 'application/json' };

const start = (home: string) =>
  startDojo(home, cleanups, { labsDir, sandboxesDir, env: { DOJO_AWS_EMULATOR: 'moto-process' } });

async function status(dojo: DojoProcess): Promise<SessionStatus> {
  return sessionStatusSchema.parse(await (await dojo.api(`${LAB}/session`)).json());
}

async function running(dojo: DojoProcess): Promise<SessionStatus & { endpoint: string }> {
  const res = await dojo.api(`${LAB}/session`, { method: 'POST' });
  expect(res.status).toBe(202);
  const s = await vi.waitFor(
    async () => {
      const now = await status(dojo);
      expect(now.error).toBeUndefined();
      expect(now.state).toBe('running');
      return now;
    },
    { timeout: 60_000, interval: 200 },
  );
  const endpoint = /http:\/\/127\.0\.0\.1:\d+/.exec(s.services['AWS emulator'] ?? '')?.[0] ?? '';
  expect(endpoint).not.toBe('');
  return { ...s, endpoint };
}

async function check(dojo: DojoProcess, step: string) {
  const res = await dojo.api(`${LAB}/steps/${step}/check`, { method: 'POST', headers: json, body: '{}' });
  expect(res.status).toBe(200);
  return stepResultSchema.parse(await res.json());
}

async function build(endpoint: string): Promise<void> {
  const { s3 } = emulatorClients(endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'team-state' }));
  await s3.send(new PutObjectCommand({ Bucket: 'team-state', Key: 'notes.txt', Body: 'kept by the learner' }));
}

async function notes(endpoint: string): Promise<string> {
  const { s3 } = emulatorClients(endpoint);
  const obj = await s3.send(new GetObjectCommand({ Bucket: 'team-state', Key: 'notes.txt' }));
  return (await obj.Body?.transformToString()) ?? '';
}

/** The pid of the lab's moto_server, from the runner's own records. */
function motoPid(home: string, runner: number): number {
  const dir = path.join(home, 'run', String(runner));
  for (const f of readdirSync(dir).filter((x) => /^\d+\.json$/.test(x))) {
    const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { pid: number; kind: string };
    if (r.kind === 'sandbox') return r.pid;
  }
  throw new Error(`expected a sandbox process recorded in ${dir}`);
}

describe("the learner's emulator data (aws-emulator on moto_server)", () => {
  it('survives Stop and Start, and the status says so before a Stop', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const dojo = await start(await tempHome(cleanups));
    const first = await running(dojo);
    expect(first.persistence).toMatchObject({ survivesRestart: true, restoredRequests: 0 });
    expect(first.persistence?.note).toMatch(/kept across Stop and runner restarts/);
    await build(first.endpoint);
    expect((await check(dojo, 'put-object')).status).toBe('pass');
    expect((await dojo.api(`${LAB}/session`, { method: 'DELETE' })).status).toBe(200);
    const again = await running(dojo);
    expect(again.persistence?.restoredRequests).toBeGreaterThan(0);
    expect(again.dataSince).toBe(first.dataSince);
    expect(await notes(again.endpoint)).toBe('kept by the learner');
    expect((await check(dojo, 'put-object')).status).toBe('pass');
    expect(await dojo.terminate()).toBe(0);
  });

  it('survives a runner restart on the same DOJO_HOME', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const home = await tempHome(cleanups);
    const first = await start(home);
    await build((await running(first)).endpoint);
    expect(await first.terminate()).toBe(0);
    const second = await start(home);
    const s = await running(second);
    expect(await notes(s.endpoint)).toBe('kept by the learner');
    expect((await check(second, 'make-bucket')).status).toBe('pass');
    expect(await second.terminate()).toBe(0);
  });

  it('notices a killed moto_server, says what to press, and Start brings it back with the data', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const home = await tempHome(cleanups);
    const dojo = await start(home);
    const s = await running(dojo);
    await build(s.endpoint);
    const moto = motoPid(home, dojo.child.pid!);
    expect(
      readFileSync(`/proc/${moto}/environ`, 'utf8')
        .split('\0')
        .some((v) => v.startsWith('DOJO_TOKEN=')),
    ).toBe(false);
    process.kill(moto, 'SIGKILL');
    const failed = await vi.waitFor(
      async () => {
        const now = await status(dojo);
        expect(now.state).toBe('failed');
        return now;
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(failed.error).toMatch(/stopped unexpectedly/);
    expect(failed.error).toMatch(/press "Start sandbox"/);
    // The check no longer reaches an emulator: it must not pass, and must not hang.
    expect((await check(dojo, 'make-bucket')).status).not.toBe('pass');
    const back = await running(dojo);
    expect(await notes(back.endpoint)).toBe('kept by the learner');
    await vi.waitFor(() => expect(processInfo(moto)).toBeNull());
    expect(await dojo.terminate()).toBe(0);
  });

  it('when the data could not be kept, a failing check says so and names "Rebuild earlier steps"', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const home = await tempHome(cleanups);
    const first = await start(home);
    const s = await running(first);
    const { s3 } = emulatorClients(s.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'team-state' }));
    expect((await check(first, 'make-bucket')).status).toBe('pass');
    expect(await first.terminate()).toBe(0);
    // What an emulator that keeps nothing (LocalStack) does: the next start is empty.
    const kept = path.join(home, 'sandbox-data', 'bucket-lab');
    expect(existsSync(kept)).toBe(true);
    renameSync(kept, `${kept}-gone`);
    const second = await start(home);
    const now = await running(second);
    expect(now.persistence?.restoredRequests).toBe(0);
    await expect(
      emulatorClients(now.endpoint).s3.send(new HeadBucketCommand({ Bucket: 'team-state' })),
    ).rejects.toThrow();
    const progress = labProgressSchema.parse(await (await second.api(`${LAB}/progress`)).json());
    const passed = progress.steps.find((p) => p.step === 'make-bucket')!;
    // Older than the data the sandbox holds now: the page re-verifies it instead of trusting it.
    expect(Date.parse(passed.passedAt!)).toBeLessThan(Date.parse(now.dataSince!));
    const result = await check(second, 'put-object');
    expect(result.status).not.toBe('pass');
    expect(result.message).toMatch(/started empty at .*after make-bucket passed/);
    expect(result.message).toMatch(/"Rebuild earlier steps"/);
    // Rebuild earlier steps (a reset of the step the learner is on): make-bucket is replayed and
    // checked again on the new data, so a failing check no longer blames lost data.
    const reset = await second.api(`${LAB}/steps/put-object/reset`, { method: 'POST', headers: json, body: '{}' });
    expect(reset.status, await reset.clone().text()).toBe(200);
    expect(((await reset.json()) as { replayed: string[] }).replayed).toEqual(['make-bucket']);
    const rebuilt = await running(second);
    const after = labProgressSchema.parse(await (await second.api(`${LAB}/progress`)).json());
    const replayed = after.steps.find((p) => p.step === 'make-bucket')!;
    expect(replayed.passedAt).toBe(passed.passedAt);
    expect(Date.parse(replayed.lastPassedAt!)).toBeGreaterThanOrEqual(Date.parse(rebuilt.dataSince!));
    const again = await check(second, 'put-object');
    expect(again.status).not.toBe('pass');
    expect(again.message ?? '').not.toMatch(/started empty/);
    expect(await second.terminate()).toBe(0);
  });

  it('refuses a second runner on the same DOJO_HOME, naming the first one', async () => {
    const home = await tempHome(cleanups);
    const first = await start(home);
    const second = await startDojo(home, cleanups, { labsDir, sandboxesDir, waitForUrl: false });
    const result = await second.child;
    expect(result.exitCode).toBe(1);
    expect(second.output()).toMatch(/found another one running \(pid \d+/);
    expect(second.output()).toContain(first.origin);
    expect(second.output()).toMatch(/Fix: /);
    expect((await first.api('/api/health')).status).toBe(200);
    expect(await first.terminate()).toBe(0);
  });
});
