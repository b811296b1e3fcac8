/**
 * `npx dojo lab test platform-prs` on the process provider, as CI runs it: Gitea built from its Go
 * module, its webhooks to the platform pipeline (helm, kubeconform, conftest), statuses, comments
 * and branch protection, the process cluster with Argo CD's ApplicationSet. The bucket step needs
 * hashicorp/aws from the Terraform registry: not applicable here (DOJO_AWS_PROVIDER_STEPS=off);
 * every other step fails on the starter and just before its solution, passes after it, and both
 * wrong answers are rejected.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { findGiteaBuild } from '../../src/sandbox/gitea.ts';
import { allProcesses } from '../../src/sandbox/process-table.ts';
import { requireProcessProvider, requireTool } from '../helpers/require-tool.ts';

interface Report {
  passed: boolean;
  sandbox: Record<string, string>;
  registry?: string;
  problems: string[];
  steps: {
    step: string;
    ok: boolean;
    notApplicable?: string;
    starter: { status: string };
    beforeSolution?: { status: string };
    afterSolution?: { status: string };
    wrong: { script: string; ok: boolean; problem?: string }[];
    problems?: string[];
  }[];
}

describe('dojo lab test platform-prs on the process provider', () => {
  it('grades every step that can run here for real and reports the bucket step not applicable', async (ctx) => {
    requireProcessProvider(ctx);
    for (const t of ['git', 'tofu', 'conftest', 'kubeconform', 'helm']) requireTool(ctx, t);
    if (!findGiteaBuild()) {
      if (process.env['CI'] === 'true')
        throw new Error('CI=true but Gitea is not built: run scripts/toolchain.sh gitea');
      ctx.skip();
    }
    const before = new Set(allProcesses().map((p) => p.pid));
    const r = await execa(
      process.execPath,
      [path.join(repoRoot, 'bin', 'dojo.mjs'), 'lab', 'test', 'platform-prs', '--json'],
      {
        cwd: repoRoot,
        env: { DOJO_PROVIDER: 'process', DOJO_AWS_PROVIDER_STEPS: 'off' },
        reject: false,
        timeout: 900_000,
      },
    );
    const report = (JSON.parse(r.stdout) as { reports: Report[] }).reports[0]!;
    expect(report.problems).toEqual([]);
    expect(report.sandbox['Provider']).toMatch(/^process \(DOJO_PROVIDER=process\)$/);
    expect(report.sandbox['Gitea']).toMatch(/Gitea 1\.27\.3 as a process/);
    expect(report.registry).toMatch(/not applicable \(DOJO_AWS_PROVIDER_STEPS=off/);
    // On a failure, say why: each failing step's problems carry its script's output.
    const why = report.steps
      .filter((s) => s.problems?.length)
      .map((s) => `${s.step}: ${(s.problems ?? []).join('\n')}`)
      .join('\n')
      .slice(-6000);
    expect(
      report.steps.map((s) => [
        s.step,
        s.notApplicable ? 'n/a' : `${s.starter.status}/${s.beforeSolution?.status}/${s.afterSolution?.status}`,
      ]),
      why,
    ).toEqual([
      ['request-blocked', 'fail/fail/pass'],
      ['fix-to-green', 'fail/fail/pass'],
      ['merge-and-sync', 'fail/fail/pass'],
      ['new-policy', 'fail/fail/pass'],
      ['bucket-request', 'n/a'],
      ['rollback-by-revert', 'fail/fail/pass'],
    ]);
    const wrongWhy = report.steps
      .flatMap((s) => s.wrong.filter((w) => !w.ok).map((w) => `${w.script}: ${w.problem ?? 'not rejected'}`))
      .join('\n')
      .slice(-6000);
    expect(
      report.steps.flatMap((s) => s.wrong.map((w) => [w.script, w.ok])),
      wrongWhy,
    ).toEqual([
      ['wrong/fix-to-green/lower-cpu-only.sh', true],
      ['wrong/rollback-by-revert/kubectl-edit.sh', true],
    ]);
    expect(report.passed).toBe(true);
    expect(r.exitCode).toBe(0);
    const leftovers = allProcesses()
      .filter((p) => !before.has(p.pid))
      .map((p) => {
        try {
          return `${readlinkSync(`/proc/${p.pid}/cwd`)} ${readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
        } catch {
          return '';
        }
      })
      .filter((c) => c.includes('dojo-selftest-platform-prs-'));
    expect(leftovers).toEqual([]);
  }, 900_000);
});
