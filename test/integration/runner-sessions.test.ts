/**
 * Lab sessions through the real API: start, progress over SSE, status, stop, failure, shutdown.
 * The sandbox is test/fixtures/sandboxes/sleepy.ts, which runs a real `sleep 600`.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sessionEventSchema, sessionStatusSchema, type SessionEvent } from '../../src/shared/session-events.ts';
import { allProcesses } from '../../src/sandbox/process-table.ts';
import { isAlive, startTestRunner, type TestRunner } from '../helpers/runner-harness.ts';

let t: TestRunner;
beforeAll(async () => {
  t = await startTestRunner();
});
afterAll(async () => {
  await t[Symbol.asyncDispose]();
});

const alive = isAlive;

/** Reads `progress` events from the SSE stream until `until` says stop (or the time runs out). */
async function readEvents(lab: string, until: (e: SessionEvent) => boolean, start?: () => Promise<unknown>) {
  const controller = new AbortController();
  const res = await t.api(`/api/labs/${lab}/session/events`, { signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: SessionEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const timer = setTimeout(() => controller.abort(), 20_000);
  let started = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!block.startsWith('event: progress') || !data) continue;
        const event = sessionEventSchema.parse(JSON.parse(data.slice(6)));
        events.push(event);
        if (!started) {
          started = true;
          await start?.();
        } else if (until(event)) return events;
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('lab sessions', () => {
  it('starts the sandbox with named progress phases over SSE, then stops it and its process', async () => {
    const before = sessionStatusSchema.parse(await (await t.api('/api/labs/sleepy-lab/session')).json());
    expect(before).toMatchObject({ lab: 'sleepy-lab', state: 'stopped', sandbox: 'sleepy' });

    const events = await readEvents(
      'sleepy-lab',
      (e) => e.state !== 'starting',
      async () => {
        const res = await t.api('/api/labs/sleepy-lab/session', { method: 'POST' });
        expect(res.status).toBe(202);
        expect(sessionStatusSchema.parse(await res.json()).state).toBe('starting');
      },
    );
    // The first event repeats the state at connection time.
    expect(events[0]).toMatchObject({ state: 'stopped' });
    const startup = events.slice(1);
    expect(startup.map((e) => e.phase)).toEqual(['queued', 'spawn', 'wait-ready', 'configure', 'ready']);
    expect(startup.at(-1)).toMatchObject({ state: 'running', percent: 100 });
    const percents = startup.map((e) => e.percent);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(startup.at(-1)!.elapsedMs).toBeGreaterThanOrEqual(150);

    const status = sessionStatusSchema.parse(await (await t.api('/api/labs/sleepy-lab/session')).json());
    expect(status.state).toBe('running');
    expect(status.envKeys).toEqual(['AWS_ENDPOINT_URL', 'DOJO_SANDBOX', 'SLEEPY_PID']);
    const pid = Number(/pid (\d+)/.exec(status.services['sleeper'] ?? '')?.[1]);
    expect(alive(pid)).toBe(true);
    // Recorded for the reaper, should this runner crash.
    const runDir = path.join(t.home, 'run', String(process.pid));
    expect(existsSync(path.join(runDir, `${pid}.json`))).toBe(true);

    // Starting again is a no-op while running.
    expect((await (await t.api('/api/labs/sleepy-lab/session', { method: 'POST' })).json()).state).toBe('running');

    const stopped = await t.api('/api/labs/sleepy-lab/session', { method: 'DELETE' });
    expect(stopped.status).toBe(200);
    expect((await stopped.json()).state).toBe('stopped');
    await vi.waitFor(() => expect(alive(pid)).toBe(false));
    expect(readdirSync(runDir)).toEqual(['runner.json']);
  });

  it('refuses a lab whose sandbox module does not exist when it loads, naming the file and the fix', async () => {
    // Labs are validated when they load (src/labs/load-labs.ts): the start is never attempted.
    const r = await t.api('/api/labs/missing-sandbox-lab/session', { method: 'POST' });
    expect(r.status).toBe(404);
    const body = (await r.json()) as { error: string };
    expect(body.error).toMatch(
      /index\.mdx:6 sandbox\s+problem: no sandbox "no-such-sandbox": no no-such-sandbox\.ts in/,
    );
    expect(body.error).toMatch(/fix:\s+Sandboxes: .*sleepy/);
  });

  it('answers 404 for an unknown lab and 400 for a lab id that is not kebab-case', async () => {
    expect((await t.api('/api/labs/no-such-lab/session')).status).toBe(404);
    expect((await t.api('/api/labs/no-such-lab/session', { method: 'POST' })).status).toBe(404);
    expect((await t.api('/api/labs/Bad_Id/session')).status).toBe(400);
    expect((await t.api('/api/labs/..%2f..%2fetc/session')).status).toBe(400);
    expect((await t.api('/api/labs/no-such-lab/session/events')).status).toBe(404);
  });

  it('cancels a start in progress when stopped, leaving no process behind', async () => {
    const sleepers = () =>
      allProcesses()
        .filter((p) => p.ppid === process.pid)
        .map((p) => p.pid);
    const before = sleepers();
    await t.api('/api/labs/sleepy-lab/session', { method: 'POST' });
    const res = await t.api('/api/labs/sleepy-lab/session', { method: 'DELETE' });
    expect((await res.json()).state).toBe('stopped');
    await vi.waitFor(() => expect(sleepers()).toEqual(before));
    const records = readdirSync(path.join(t.home, 'run', String(process.pid)));
    expect(records).toEqual(['runner.json']);
  });

  it('stops every sandbox and shell when the runner closes', async () => {
    const own = await startTestRunner();
    await own.api('/api/labs/sleepy-lab/session', { method: 'POST' });
    const status = await vi.waitFor(async () => {
      const s = sessionStatusSchema.parse(await (await own.api('/api/labs/sleepy-lab/session')).json());
      expect(s.state).toBe('running');
      return s;
    });
    const sandboxPid = Number(/pid (\d+)/.exec(status.services['sleeper'] ?? '')?.[1]);
    const term = await own.terminal('sleepy-lab');
    const { pid: shellPid } = await term.attached;
    term.type('nohup sleep 605 >/dev/null 2>&1 & echo "job=$!"\r');
    await term.waitForText(/job=\d+/);
    const jobPid = Number(/job=(\d+)/.exec(term.text())?.[1]);
    expect([sandboxPid, shellPid, jobPid].every(alive)).toBe(true);
    await own[Symbol.asyncDispose]();
    expect(await term.closed).toMatchObject({ code: 1001 });
    await vi.waitFor(() => expect([sandboxPid, shellPid, jobPid].filter(alive)).toEqual([]), { timeout: 5000 });
  });
});
