import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { doctorReportSchema } from '../../src/shared/doctor-report.ts';
import { repoRoot } from '../../src/shared/paths.ts';

const dojo = path.join(repoRoot, 'bin', 'dojo.mjs');

describe('npx dojo doctor', () => {
  it('prints JSON of the promised shape, covering every tool and lab', async () => {
    const r = await execa(process.execPath, [dojo, 'doctor', '--json'], { cwd: repoRoot });
    const report = doctorReportSchema.parse(JSON.parse(r.stdout));
    expect(report.tools.map((t) => t.name)).toEqual([
      'node',
      'git',
      'docker',
      'terraform',
      'tofu',
      'kind',
      'kubectl',
      'moto_server',
      'aws',
      'conftest',
      'kubeconform',
      'chromium',
      'kube-apiserver',
      'argocd',
      'redis-server',
      'localstack',
    ]);
    expect(report.labs.map((l) => l.id).sort()).toEqual([
      'multi-env-gitops',
      'platform-prs',
      's3-static-site',
      'terraform-state',
    ]);
    const lab = report.labs.find((l) => l.id === 'terraform-state');
    expect(lab).toBeDefined();
    const has = (n: string) => report.tools.find((t) => t.name === n)?.found;
    expect(lab!.runnable).toBe(
      Boolean((has('tofu') || has('terraform')) && (has('moto_server') || has('docker')) && has('git')),
    );
  });

  it('prints a readable report and refuses unknown options with exit 2', async () => {
    const ok = await execa(process.execPath, [dojo, 'doctor'], { cwd: repoRoot });
    expect(ok.stdout).toMatch(/^Tools\n/);
    expect(ok.stdout).toMatch(/\nLabs\n {2}(runnable|blocked) {2,}terraform-state/);
    const bad = await execa(process.execPath, [dojo, 'doctor', '--jsn'], { cwd: repoRoot, reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--jsn'/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
