/**
 * `npx dojo lab test s3-static-site` on the process provider, as CI runs it: LocalStack, the
 * cluster and Argo CD as local processes, the lab Git server, real git pushes announced to Argo CD.
 * The two steps that need the hashicorp/aws provider from the Terraform registry are reported not
 * applicable (DOJO_AWS_PROVIDER_STEPS=off, this machine cannot reach the registry) while their
 * solutions still write main.tf; every other step is graded for real: failing on the starter and
 * just before its solution, passing after it.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { allProcesses } from '../../src/sandbox/process-table.ts';
import { requireLocalStackProcess, requireProcessProvider, requireTool } from '../helpers/require-tool.ts';

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
  }[];
}

describe('dojo lab test s3-static-site on the process provider', () => {
  it('grades every step that can run here for real and reports the registry steps not applicable', async (ctx) => {
    requireProcessProvider(ctx);
    requireLocalStackProcess(ctx);
    requireTool(ctx, 'git');
    requireTool(ctx, 'tofu');
    const before = new Set(allProcesses().map((p) => p.pid));
    const r = await execa(
      process.execPath,
      [path.join(repoRoot, 'bin', 'dojo.mjs'), 'lab', 'test', 's3-static-site', '--json'],
      {
        cwd: repoRoot,
        env: { DOJO_PROVIDER: 'process', DOJO_AWS_PROVIDER_STEPS: 'off' },
        reject: false,
        timeout: 600_000,
      },
    );
    const report = (JSON.parse(r.stdout) as { reports: Report[] }).reports[0]!;
    expect(report.problems).toEqual([]);
    expect(report.sandbox['Provider']).toMatch(/^process \(DOJO_PROVIDER=process\)$/);
    expect(report.sandbox['AWS emulator']).toMatch(/^LocalStack 4\.14\.0 \(host process/);
    expect(report.sandbox['Kubernetes']).toMatch(/^process cluster gitops \(Kubernetes v1\.37\.2/);
    expect(report.registry).toMatch(/not applicable \(DOJO_AWS_PROVIDER_STEPS=off/);
    expect(
      report.steps.map((s) => [
        s.step,
        s.notApplicable ? 'n/a' : `${s.starter.status}/${s.beforeSolution?.status}/${s.afterSolution?.status}`,
      ]),
    ).toEqual([
      ['terraform-bucket', 'n/a'],
      ['website-live', 'n/a'],
      ['config-in-git', 'fail/fail/pass'],
      ['argocd-application', 'fail/fail/pass'],
      ['change-by-commit', 'fail/fail/pass'],
    ]);
    expect(report.passed).toBe(true);
    expect(r.exitCode).toBe(0);
    // The self-test's sandbox (cluster, Argo CD, LocalStack) is gone with it.
    const left = allProcesses().filter((p) => !before.has(p.pid));
    // Only this self-test's processes (they run in its temporary DOJO_HOME): other work on the
    // machine may run clusters of its own.
    const leftovers = left
      .map((p) => {
        try {
          return `${readlinkSync(`/proc/${p.pid}/cwd`)} ${readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
        } catch {
          return '';
        }
      })
      .filter((c) => c.includes('dojo-selftest-s3-static-site-'));
    expect(leftovers).toEqual([]);
  }, 600_000);
});
