/**
 * A runner killed (kill -9) in the middle of starting the process sandbox leaves nothing running:
 * every process was recorded the moment it was spawned (the runner's pid records and the
 * cluster's cluster.json), so the next `dojo start` on the same DOJO_HOME stops them all and says
 * so, and the cluster's data stays for the lab's next start.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { labsDir, sandboxesDir } from '../../src/shared/paths.ts';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { startDojo, tempHome } from '../helpers/dojo-process.ts';
import { requireLocalStackProcess, requireProcessProvider } from '../helpers/require-tool.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups.length = 0;
});

/** Every pid the runner and the cluster recorded under a DOJO_HOME, with its kernel start time. */
function recorded(home: string): { pid: number; startTime: string; what: string }[] {
  const out: { pid: number; startTime: string; what: string }[] = [];
  const run = path.join(home, 'run');
  for (const dir of existsSync(run) ? readdirSync(run) : []) {
    for (const f of readdirSync(path.join(run, dir)).filter((n) => /^\d+\.json$/.test(n))) {
      const r = JSON.parse(readFileSync(path.join(run, dir, f), 'utf8')) as {
        pid: number;
        startTime: string;
        command: string;
      };
      out.push({ pid: r.pid, startTime: r.startTime, what: r.command.split(' ')[0] ?? '' });
    }
  }
  const clusterFile = path.join(home, 'clusters', 'gitops', 'cluster.json');
  if (existsSync(clusterFile)) {
    const c = JSON.parse(readFileSync(clusterFile, 'utf8')) as {
      components: { pid: number; startTime: string; component: string }[];
    };
    for (const x of c.components) out.push({ pid: x.pid, startTime: x.startTime, what: x.component });
  }
  return out;
}

const alive = (p: { pid: number; startTime: string }) => processInfo(p.pid)?.startTime === p.startTime;

describe('process sandbox and a runner killed mid-start', () => {
  it('the next start stops every process the dead runner started, and keeps the cluster data', async (ctx) => {
    requireProcessProvider(ctx);
    requireLocalStackProcess(ctx);
    const home = await tempHome(cleanups);
    const env = { DOJO_PROVIDER: 'process' };
    const first = await startDojo(home, cleanups, { labsDir, sandboxesDir: sandboxesDir(), env });
    const res = await first.api('/api/labs/s3-static-site/session', { method: 'POST' });
    expect(res.status).toBe(202);
    // Mid-start: the API server runs, Argo CD is not up yet.
    await vi.waitFor(
      () => {
        const what = recorded(home).map((r) => r.what);
        if (!what.includes('kube-apiserver'))
          throw new Error(`still waiting for kube-apiserver; recorded: ${what.join(', ')}`);
      },
      { timeout: 120_000, interval: 100 },
    );
    first.child.kill('SIGKILL');
    await first.child;
    const left = recorded(home).filter(alive);
    expect(left.map((l) => l.what)).toContain('kube-apiserver');
    expect(left.length).toBeGreaterThanOrEqual(3);

    const second = await startDojo(home, cleanups, { labsDir, sandboxesDir: sandboxesDir(), env });
    expect(left.filter(alive)).toEqual([]);
    expect(second.output()).toMatch(/Stopped \d+ process\(es\) left by an earlier run|Stopped cluster gitops/);
    // The cluster's folder (PKI, etcd data) is kept for the next start.
    expect(existsSync(path.join(home, 'clusters', 'gitops', 'pki', 'ca.crt'))).toBe(true);
    expect(await second.terminate()).toBe(0);
  }, 300_000);
});
