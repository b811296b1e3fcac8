/**
 * `npx dojo lab test multi-env-gitops` on the process provider, as CI runs it: the management
 * cluster with Argo CD, the lab Git server, and dev, staging and prod made by the lab's own
 * Terraform with `dojo cluster create` (from the step scripts, which get the dojo command and the
 * self-test's DOJO_HOME). Every step fails on the starter and just before its solution and passes
 * after it; the rollback's bad release is pushed for real; four wrong answers are rejected (an
 * apply never run, a misspelt field only kubeconform catches, a release made with kubectl set
 * image, a rollback by force-push). Nothing of the self-test is left running.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { allProcesses } from '../../src/sandbox/process-table.ts';
import { requireProcessProvider, requireTool } from '../helpers/require-tool.ts';

interface Report {
  passed: boolean;
  sandbox: Record<string, string>;
  problems: string[];
  durationMs: number;
  steps: {
    step: string;
    starter: { status: string };
    beforeSolution?: { status: string };
    afterSolution?: { status: string };
    wrong: { script: string; ok: boolean; caughtBy: { kind: string }[] }[];
  }[];
}

describe('dojo lab test multi-env-gitops on the process provider', () => {
  it('grades all ten steps for real and rejects every wrong answer', async (ctx) => {
    requireProcessProvider(ctx);
    requireTool(ctx, 'git');
    requireTool(ctx, 'tofu');
    requireTool(ctx, 'kubeconform');
    const before = new Set(allProcesses().map((p) => p.pid));
    const r = await execa(
      process.execPath,
      [path.join(repoRoot, 'bin', 'dojo.mjs'), 'lab', 'test', 'multi-env-gitops', '--json'],
      { cwd: repoRoot, env: { DOJO_PROVIDER: 'process' }, reject: false, timeout: 1_200_000 },
    );
    const report = (JSON.parse(r.stdout) as { reports: Report[] }).reports[0]!;
    expect(report.problems).toEqual([]);
    expect(report.sandbox['Provider']).toBe('process (DOJO_PROVIDER=process)');
    expect(report.sandbox['Kubernetes']).toMatch(/^process cluster mgmt \(Kubernetes v1\.37\.2/);
    expect(report.sandbox['Terraform']).toMatch(/hashicorp\/local from the mirror /);
    expect(
      report.steps.map((s) => [s.step, `${s.starter.status}/${s.beforeSolution?.status}/${s.afterSolution?.status}`]),
    ).toEqual(
      [
        'provision-clusters',
        'register-clusters',
        'projects',
        'overlays',
        'applicationset',
        'promote-dev',
        'promote-staging',
        'promote-prod',
        'drift-drill',
        'rollback',
      ].map((s) => [s, 'fail/fail/pass']),
    );
    const wrong = report.steps.flatMap((s) =>
      s.wrong.map((w) => [s.step, path.basename(w.script), w.ok, [...new Set(w.caughtBy.map((c) => c.kind))]]),
    );
    expect(wrong).toEqual([
      ['provision-clusters', 'plan-without-apply.sh', true, ['terraform.resource', 'terraform.output', 'k8s.resource']],
      ['overlays', 'misspelt-field.sh', true, ['command']],
      ['promote-dev', 'kubectl-set-image.sh', true, expect.arrayContaining(['command'])],
      ['rollback', 'reset-and-force-push.sh', true, ['command']],
    ]);
    expect(report.passed).toBe(true);
    expect(r.exitCode).toBe(0);
    console.log(`dojo lab test multi-env-gitops: passed in ${(report.durationMs / 1000).toFixed(0)} s`);
    // Every cluster of the self-test (mgmt and the three Terraform made) is gone with it.
    const leftovers = allProcesses()
      .filter((p) => !before.has(p.pid))
      .map((p) => {
        try {
          return `${readlinkSync(`/proc/${p.pid}/cwd`)} ${readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
        } catch {
          return '';
        }
      })
      .filter((c) => c.includes('dojo-selftest-multi-env-gitops-'));
    expect(leftovers).toEqual([]);
  }, 1_200_000);
});
