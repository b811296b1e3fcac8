/**
 * The labelled evaluation sets behind `npm run bench:feedback` stay valid as the bank changes (every
 * label names a talking point of its question), and the feedback keeps the acceptance figures of
 * issue 14 on the set it was tuned on. The held-out sets are only measured by the benchmark: asserting
 * on them here would invite tuning to them.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInterviewBank } from '../../src/interview/load-interview-entry.ts';
import { interviewDir, repoRoot } from '../../src/shared/paths.ts';
import { loadEvalSet, scoreEvalSet } from '../../scripts/bench-feedback/evaluate-feedback.ts';

const bank = await loadInterviewBank(interviewDir);
const fixtures = path.join(repoRoot, 'test', 'fixtures');

describe('the feedback evaluation sets', () => {
  it.each([
    'interview-eval',
    'interview-eval-fresh',
    'interview-eval-fresh2',
    'interview-eval-fresh3',
    'interview-eval-fresh4',
    'interview-eval-fresh5',
    'interview-eval-fresh6',
    'interview-eval-fresh7',
    'interview-eval-fresh8',
  ])('%s labels only talking points of its questions, and every behavioural answer has STAR labels', async (set) => {
    const files = await loadEvalSet(path.join(fixtures, set), bank);
    expect(files.length).toBeGreaterThanOrEqual(10);
    const styles = new Set(files.flatMap((f) => f.answers.map((a) => a.style)));
    expect(styles).toContain('list');
    expect(styles).toContain('negated');
  });

  it('the tuning set has at least 150 answers across at least 10 questions', async () => {
    const files = await loadEvalSet(path.join(fixtures, 'interview-eval'), bank);
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files.reduce((n, f) => n + f.answers.length, 0)).toBeGreaterThanOrEqual(150);
  });

  it('meets the acceptance figures on the tuning set', async () => {
    const score = await scoreEvalSet(await loadEvalSet(path.join(fixtures, 'interview-eval'), bank), bank);
    expect(score.hits.precision).toBeGreaterThanOrEqual(0.95);
    expect(score.hits.recall).toBeGreaterThanOrEqual(0.92);
    expect(score.denials.accuracy).toBeGreaterThanOrEqual(0.92);
    expect(score.denials.notCredited).toBe(score.denials.total);
    expect(score.lists.share).toBeLessThanOrEqual(0.2);
    expect(score.star.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
