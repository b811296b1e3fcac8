/**
 * `npx dojo lab test` end to end, as CI and authors run it: real sandboxes (moto_server, the
 * terraform sandbox), real tofu (and terraform when present), real setups, solutions and wrong
 * answers. Then the stricter self-test's verdicts on labs built to trip each rule.
 */
import { readFile, writeFile, chmod, mkdir } from 'node:fs/promises';
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
  problems: string[];
  steps: {
    step: string;
    ok: boolean;
    problems: string[];
    notes: string[];
    starter: { status: string };
    beforeSolution?: { status: string };
    afterSolution?: { status: string };
    passingOnStarter: { number: number; kind: string; options: string }[];
    wrong: { script: string; ok: boolean; problem?: string; caughtBy: { number: number; kind: string }[] }[];
  }[];
}

async function labTest(
  lab: string,
  env: Record<string, string>,
): Promise<{ report: Report; exitCode: number | undefined }> {
  const r = await execa(process.execPath, [dojo, 'lab', 'test', lab, '--json'], {
    cwd: repoRoot,
    env,
    reject: false,
    timeout: 600_000,
  });
  const parsed = JSON.parse(r.stdout) as { reports: Report[] };
  return { report: parsed.reports[0]!, exitCode: r.exitCode };
}

function needCli(ctx: { skip: (m?: string) => void }, flavor: 'tofu' | 'terraform'): void {
  if (clis.some((c) => c.flavor === flavor)) return;
  if (flavor === 'terraform') ctx.skip('terraform not installed (optional; tofu covers the same path)');
  missingTool(ctx, flavor);
}

describe.each(['tofu', 'terraform'] as const)('dojo lab test terraform-state with %s', (flavor) => {
  it('fails every step on the starter and just before its solution, passes after it, and rejects every wrong answer', async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'aws');
    needCli(ctx, flavor);
    const { report, exitCode } = await labTest('terraform-state', { DOJO_TERRAFORM: flavor });
    expect(report.sandbox['Terraform']).toMatch(new RegExp(`^${flavor} `));
    expect(
      report.steps.map((s) => [s.step, s.starter.status !== 'pass', s.beforeSolution?.status, s.afterSolution?.status]),
    ).toEqual([
      ['local-state', true, 'fail', 'pass'],
      ['remote-backend', true, 'fail', 'pass'],
      ['locking', true, 'fail', 'pass'],
      ['held-lock', true, 'fail', 'pass'],
      ['recover-state', true, 'fail', 'pass'],
      // A declared checkpoint: passes once step 5 is solved, noted rather than failed.
      ['no-drift', true, 'pass', 'pass'],
    ]);
    expect(report.steps[5]?.notes[0]).toMatch(/^passes before its own solution, as its frontmatter declares/);
    const wrong = report.steps.flatMap((s) =>
      s.wrong.map((w) => [s.step, path.basename(w.script), w.ok, w.caughtBy.map((c) => c.kind)]),
    );
    expect(wrong).toEqual([
      ['local-state', 'plan-without-apply.sh', true, ['terraform.resource', 'terraform.resource', 'terraform.output']],
      ['remote-backend', 'bucket-without-versioning.sh', true, ['s3.bucket']],
      ['remote-backend', 'reconfigure-without-migrating.sh', true, ['s3.object']],
      ['locking', 'lock-table-never-configured.sh', true, ['terraform.backend', 'terraform.lock']],
      ['held-lock', 'delete-state-and-reapply.sh', true, ['terraform.stateMeta']],
      ['recover-state', 'push-old-version-with-force.sh', true, ['terraform.stateMeta']],
      ['recover-state', 'reapply-instead-of-restore.sh', true, ['terraform.stateMeta']],
    ]);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
    expect(exitCode).toBe(0);
  }, 900_000);
});

describe.each(['tofu', 'terraform'] as const)('a refactor lab self-tested with %s', (flavor) => {
  it('rejects an import of the same id instead of a moved block, a re-create, and a nonsensitive() output', async (ctx) => {
    needCli(ctx, flavor);
    const { report, exitCode } = await labTest('platform-refactor', {
      DOJO_TERRAFORM: flavor,
      DOJO_LABS_DIR: path.join(repoRoot, 'test', 'fixtures', 'labs-selftest'),
    });
    expect(
      report.steps.flatMap((s) => s.wrong.map((w) => [path.basename(w.script), w.ok, w.caughtBy.map((c) => c.kind)])),
    ).toEqual([
      ['nonsensitive-wrapper.sh', true, ['terraform.output']],
      ['import-instead-of-moved.sh', true, ['terraform.stateMeta']],
      ['recreate-without-moved.sh', true, ['terraform.stateMeta']],
    ]);
    expect(report.passed).toBe(true);
    expect(exitCode).toBe(0);
  });
});

/** A copy of the scaffold's git lab, changed by `edit`, self-tested through the CLI. */
async function gitLab(edit: (labDir: string) => Promise<void>) {
  const dir = await tempDir('selftest-rules');
  const { scaffoldLab } = await import('../../src/labs/scaffold-lab.ts');
  const labDir = await scaffoldLab(dir.path, 'runbook', 'git');
  await edit(labDir);
  const { report, exitCode } = await labTest('runbook', { DOJO_LABS_DIR: dir.path });
  return { dir, report, exitCode };
}

async function script(file: string, body: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/usr/bin/env bash\nset -euo pipefail\n${body}`);
  await chmod(file, 0o755);
}

describe('the stricter self-test', () => {
  it('a freshly scaffolded lab passes, its wrong answer rejected', async (ctx) => {
    requireTool(ctx, 'git');
    const { dir, report, exitCode } = await gitLab(async () => undefined);
    await using _ = dir;
    expect(report.steps[0]?.wrong).toEqual([
      expect.objectContaining({ script: 'wrong/first-commit/commit-without-message.sh', ok: true }),
    ]);
    expect(report.passed).toBe(true);
    expect(exitCode).toBe(0);
  });

  it('fails when a solution does not make its step pass, naming the assertion', async (ctx) => {
    requireTool(ctx, 'git');
    const { dir, report } = await gitLab((lab) =>
      script(
        path.join(lab, 'solution', 'first-commit.sh'),
        'git init -q -b main\ngit add RUNBOOK.md\ngit -c user.name=L -c user.email=l@e commit -q -m "wip"\n',
      ),
    );
    await using _ = dir;
    expect(report.passed).toBe(false);
    expect(report.steps[0]?.problems.join('\n')).toMatch(
      /does not pass after its solution:[\s\S]*no commit message matches \/runbook\/i/,
    );
  });

  it('fails when a wrong answer passes, and when a wrong answer script itself fails', async (ctx) => {
    requireTool(ctx, 'git');
    const { dir, report, exitCode } = await gitLab(async (lab) => {
      const solution = await readFile(path.join(lab, 'solution', 'first-commit.sh'), 'utf8');
      await script(path.join(lab, 'wrong', 'first-commit', 'accepted.sh'), solution.split('\n').slice(3).join('\n'));
      await script(path.join(lab, 'wrong', 'first-commit', 'broken.sh'), 'git commit -m "nothing staged"\n');
    });
    await using _ = dir;
    expect(exitCode).toBe(1);
    const wrong = report.steps[0]!.wrong;
    expect(wrong.map((w) => [path.basename(w.script), w.ok])).toEqual([
      ['accepted.sh', false],
      ['broken.sh', false],
      ['commit-without-message.sh', true],
    ]);
    expect(wrong[0]?.problem).toMatch(/accepted\.sh passes: the step's checks accept this wrong answer/);
    expect(wrong[1]?.problem).toMatch(/broken\.sh failed \(exit \d+\)[\s\S]*must run to the end/);
    expect(report.passed).toBe(false);
  });

  it('fails a step that already passes before its own solution, and names checks that pass on the starter', async (ctx) => {
    requireTool(ctx, 'git');
    const { dir, report } = await gitLab(async (lab) => {
      const file = path.join(lab, 'index.mdx');
      const text = await readFile(file, 'utf8');
      // A second step whose checks the first step's solution already satisfies, plus a check that
      // passes everywhere (a weak check among strong ones).
      await writeFile(
        file,
        text
          .replace(
            '        messageMatches: runbook\n',
            "        messageMatches: runbook\n      - kind: command\n        run: 'test -f RUNBOOK.md'\n",
          )
          .replace(
            '---\n\nSay who',
            `  - id: tag-release
    title: Tag the release
    outcome: 'The runbook commit is tagged.'
    checks:
      - kind: git.commit
        paths: [RUNBOOK.md]
---

Say who`,
          )
          .replace('</Step>', '</Step>\n\n<Step id="tag-release">\n\nTag it.\n\n</Step>'),
      );
      await script(path.join(lab, 'solution', 'tag-release.sh'), 'git tag v1\n');
    });
    await using _ = dir;
    expect(report.steps[0]?.passingOnStarter).toEqual([
      { number: 2, kind: 'command', options: 'run: test -f RUNBOOK.md' },
    ]);
    expect(report.steps[1]?.beforeSolution?.status).toBe('pass');
    expect(report.steps[1]?.problems[0]).toBe(
      "passes before its own solution (after the previous steps' solutions): its checks do not test this step's work",
    );
    expect(report.passed).toBe(false);
  });
});
