/**
 * The lab API on a real runner: a real sandbox session (moto_server), checks, the hint ladder,
 * applying a solution, and progress that survives a runner restart.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { startRunner, type StartedRunner } from '../../src/runner/runner-server.ts';
import { allRoutes } from '../../src/runner/all-routes.ts';
import { createRunnerContext } from '../../src/runner/runner-context.ts';
import { distDir, labsDir, workspaceDir } from '../../src/shared/paths.ts';
import { labProgressSchema, scriptRunSchema } from '../../src/shared/lab-api.ts';
import { stepResultSchema } from '../../src/shared/check-result.ts';
import { requireTool } from '../helpers/require-tool.ts';

async function runner(home: string): Promise<{ r: StartedRunner; close: () => Promise<void> }> {
  const ctx = createRunnerContext(home, labsDir);
  const { routes, upgrades, onClose } = allRoutes(ctx);
  const r = await startRunner({ port: 0, distDir, token: 'lab-api-token', routes, upgrades, onClose });
  return {
    r,
    close: async () => {
      await r.close();
      ctx.db.close();
    },
  };
}

function client(r: StartedRunner) {
  const headers = { Authorization: 'Bearer lab-api-token', Origin: r.origin, 'Content-Type': 'application/json' };
  return {
    get: (p: string) => fetch(`${r.origin}${p}`, { headers }),
    post: (p: string, extra: Record<string, string> = {}) =>
      fetch(`${r.origin}${p}`, { method: 'POST', headers: { ...headers, ...extra }, body: '{}' }),
    del: (p: string) => fetch(`${r.origin}${p}`, { method: 'DELETE', headers }),
  };
}

describe('lab API', () => {
  it('reads progress without creating a workspace (the catalog reads it for every lab)', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-lab-api-'));
    const { r, close } = await runner(home);
    try {
      const res = await client(r).get('/api/labs/terraform-state/progress');
      expect(res.status).toBe(200);
      const progress = labProgressSchema.parse(await res.json());
      expect(progress.workspace).toBe(workspaceDir(home, 'terraform-state'));
      expect(progress.steps.every((s) => s.status === 'not-started')).toBe(true);
      expect(existsSync(progress.workspace)).toBe(false);
    } finally {
      await close();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('checks, hints, solves, and keeps progress across a runner restart', async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'tofu');
    const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-lab-api-'));
    const first = await runner(home);
    try {
      const api = client(first.r);
      const base = '/api/labs/terraform-state';

      // Without a sandbox, applying a solution is refused with what to do.
      const early = await api.post(`${base}/steps/local-state/solve`);
      expect(early.status).toBe(409);
      expect(await early.json()).toMatchObject({
        error: 'the lab sandbox is not running',
        hint: expect.stringContaining('Start sandbox'),
      });

      expect((await api.post(`${base}/session`)).status).toBe(202);
      await vi.waitFor(
        async () => {
          const s = (await (await api.get(`${base}/session`)).json()) as { state: string; error?: string };
          expect(s.error).toBeUndefined();
          expect(s.state).toBe('running');
        },
        { timeout: 60_000, interval: 200 },
      );

      const failing = stepResultSchema.parse(await (await api.post(`${base}/steps/local-state/check`)).json());
      expect(failing.status).toBe('fail');
      expect(failing.assertions[0]?.message).toBe(
        'terraform_data.vpc not found in terraform.tfstate (state has no resources)',
      );

      const hint = (await (await api.post(`${base}/steps/local-state/hint`)).json()) as {
        index: number;
        total: number;
      };
      expect(hint).toMatchObject({ index: 1, total: 3 });

      const solved = scriptRunSchema.parse(await (await api.post(`${base}/steps/local-state/solve`)).json());
      expect(solved.ok, solved.output).toBe(true);
      expect(solved.result?.status).toBe('pass');

      const solution = (await (await api.post(`${base}/steps/local-state/solution`)).json()) as { script: string };
      expect(solution.script).toContain('apply -auto-approve');

      // Background re-check: saving a file in the workspace re-checks the first step not passed.
      const controller = new AbortController();
      const stream = await fetch(`${first.r.origin}${base}/watch`, {
        headers: { Authorization: 'Bearer lab-api-token' },
        signal: controller.signal,
      });
      expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = stream.body!.getReader();
      const progress = labProgressSchema.parse(await (await api.get(`${base}/progress`)).json());
      await writeFile(path.join(progress.workspace, 'backend.tf'), '# work in progress\n');
      let text = '';
      while (!text.includes('event: check')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      controller.abort();
      const event = stepResultSchema.parse(JSON.parse(/event: check\ndata: (.*)\n/.exec(text)![1]!));
      expect(event).toMatchObject({ step: 'remote-backend', status: 'fail' });

      // A state-changing request from another origin is refused.
      expect((await api.post(`${base}/steps/local-state/check`, { Origin: 'http://evil.example' })).status).toBe(403);
      expect((await api.post(`${base}/steps/no-such-step/check`)).status).toBe(404);
    } finally {
      await first.close();
    }

    const second = await runner(home);
    try {
      const progress = labProgressSchema.parse(
        await (await client(second.r).get('/api/labs/terraform-state/progress')).json(),
      );
      const step = progress.steps.find((s) => s.step === 'local-state');
      expect(step).toMatchObject({ status: 'pass', hintsRevealed: 1, solutionRevealed: true, solutionApplied: true });
      expect(step?.attempts).toBeGreaterThanOrEqual(2);
      // The background re-check was recorded too.
      expect(progress.steps.find((s) => s.step === 'remote-backend')?.status).toBe('fail');
      expect(progress.steps.find((s) => s.step === 'locking')?.status).toBe('not-started');
    } finally {
      await second.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
