/**
 * `npx dojo lab test terraform-state` end to end, as CI and authors run it: real sandbox
 * (moto_server), real tofu (and terraform when present), real setups and solutions.
 */
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectTerraformClis, type TerraformCli } from '../../src/sandbox/terraform-cli.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import { missingTool, requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dojo = path.join(repoRoot, 'bin', 'dojo.mjs');
let clis: TerraformCli[] = [];
beforeAll(async () => {
  clis = await detectTerraformClis();
});

interface Report {
  lab: string;
  passed: boolean;
  sandbox: Record<string, string>;
  steps: {
    step: string;
    ok: boolean;
    starter: { status: string };
    afterSetup?: { status: string };
    afterSolution?: { status: string };
  }[];
}

describe.each(['tofu', 'terraform'] as const)('dojo lab test terraform-state with %s', (flavor) => {
  it('fails every step on the starter and passes each after its solution', async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'aws');
    if (!clis.some((c) => c.flavor === flavor)) {
      if (flavor === 'terraform') ctx.skip('terraform not installed (optional; tofu covers the same path)');
      missingTool(ctx, flavor);
    }
    const r = await execa(process.execPath, [dojo, 'lab', 'test', 'terraform-state', '--json'], {
      cwd: repoRoot,
      env: { DOJO_TERRAFORM: flavor },
      reject: false,
      timeout: 170_000,
    });
    const { reports } = JSON.parse(r.stdout) as { reports: Report[] };
    const report = reports[0]!;
    expect(report.sandbox['Terraform']).toMatch(new RegExp(`^${flavor} `));
    expect(report.steps.map((s) => [s.step, s.starter.status !== 'pass', s.afterSolution?.status])).toEqual([
      ['local-state', true, 'pass'],
      ['remote-backend', true, 'pass'],
      ['locking', true, 'pass'],
      ['held-lock', true, 'pass'],
      ['recover-state', true, 'pass'],
      ['no-drift', true, 'pass'],
    ]);
    // The break-it moments are real: right after their setup the steps do not pass.
    expect(report.steps.find((s) => s.step === 'held-lock')?.afterSetup?.status).toBe('fail');
    expect(report.steps.find((s) => s.step === 'recover-state')?.afterSetup?.status).toBe('fail');
    expect(report.passed).toBe(true);
    expect(r.exitCode).toBe(0);
  });
});

describe('dojo lab test on a lab that cannot be completed', () => {
  it('fails and names the assertion that disagreed', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('broken-lab');
    const { scaffoldLab } = await import('../../src/labs/scaffold-lab.ts');
    const labDir = await scaffoldLab(dir.path, 'broken-runbook');
    // Sabotage the solution: it commits with a message the check does not accept.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      path.join(labDir, 'solution', 'first-commit.sh'),
      '#!/usr/bin/env bash\nset -e\ngit init -q -b main\ngit add RUNBOOK.md\ngit -c user.name=L -c user.email=l@e commit -q -m "wip"\n',
    );
    const { loadLab } = await import('../../src/labs/load-labs.ts');
    const { selfTestLab } = await import('../../src/labs/lab-self-test.ts');
    const report = await selfTestLab(await loadLab(dir.path, 'broken-runbook'));
    expect(report.passed).toBe(false);
    expect(report.steps[0]?.problems.join('\n')).toMatch(
      /does not pass after its solution:[\s\S]*no commit message matches \/runbook\/i/,
    );
  });

  it('a freshly scaffolded lab passes its own self-test', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('new-lab');
    const { scaffoldLab } = await import('../../src/labs/scaffold-lab.ts');
    await scaffoldLab(dir.path, 'oncall-runbook');
    const { loadLab } = await import('../../src/labs/load-labs.ts');
    const { selfTestLab } = await import('../../src/labs/lab-self-test.ts');
    const report = await selfTestLab(await loadLab(dir.path, 'oncall-runbook'));
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
  });
});
