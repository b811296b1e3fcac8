/**
 * `dojo lab test s3-static-site` for real: the gitops sandbox starts (LocalStack, kind, Argo CD,
 * Git server), every step fails on the starter, and each solution makes its step pass. Needs a
 * Docker engine, terraform or tofu, and the internet once (images, the hashicorp/aws provider).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLab } from '../../src/labs/load-labs.ts';
import { labsDir } from '../../src/shared/paths.ts';
import { selfTestLab } from '../../src/labs/lab-self-test.ts';
import { requireEngine } from './engine.ts';

beforeAll(async () => {
  await requireEngine();
});

describe('lab s3-static-site self-test (real sandbox)', () => {
  it('fails every step on the starter and passes each after its solution', async () => {
    const lab = await loadLab(labsDir, 's3-static-site');
    expect(path.basename(lab.dir)).toBe('s3-static-site');
    const report = await selfTestLab(lab, (e) => {
      if (e.type === 'progress') console.log(`[${e.progress.phase} ${e.progress.percent}%] ${e.progress.message}`);
      else if (e.type === 'phase') console.log(`== ${e.message}`);
    });
    const problems = [...report.problems, ...report.steps.flatMap((s) => s.problems.map((p) => `${s.step}: ${p}`))];
    expect(problems).toEqual([]);
    expect(report.passed).toBe(true);
  });
});
