/**
 * The question bank as shipped: every entry valid and complete, drills that open a real lab step,
 * sample answers that hit their own talking points (so every point is matchable), behavioural
 * samples that pass the STAR check, and a broken entry that fails naming its file and fields.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnswerAnalyzer } from '../../src/interview/answer-analysis.ts';
import { feedbackWith } from '../../src/interview/answer-feedback.ts';
import { loadInterviewEntry } from '../../src/interview/load-interview-entry.ts';
import { topicLabels } from '../../src/interview/topic-labels.ts';
import { ValidationError } from '../../src/shared/friendly-error.ts';
import type { InterviewEntry } from '../../src/shared/interview-entry.ts';
import { loadLabs } from '../../src/labs/load-labs.ts';
import { interviewDir, labsDir, repoRoot } from '../../src/shared/paths.ts';

const ids = readdirSync(interviewDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();
const analyzer = await loadAnswerAnalyzer();
const answerFeedback = (entry: InterviewEntry, answer: Parameters<typeof feedbackWith>[2]) =>
  feedbackWith(analyzer, entry, answer);
const bank = new Map<string, InterviewEntry>();
for (const id of ids) {
  const entry = await loadInterviewEntry(interviewDir, id);
  if (entry) bank.set(id, entry);
}

describe('the interview question bank', () => {
  it('has at least 40 complete entries, all valid against the schema', () => {
    expect(ids.length).toBeGreaterThanOrEqual(40);
    expect([...bank.keys()]).toEqual(ids);
    for (const [id, e] of bank) {
      expect(e.talkingPoints.length, id).toBeGreaterThanOrEqual(3);
      expect(e.strategy.length, id).toBeGreaterThanOrEqual(2);
      expect(e.followUps.length, id).toBeGreaterThanOrEqual(2);
      expect(e.sampleAnswer.length, id).toBeGreaterThanOrEqual(200);
    }
  });

  it('covers junior to senior, technical and behavioural, across the topics', () => {
    const entries = [...bank.values()];
    expect(new Set(entries.map((e) => e.level))).toEqual(new Set(['junior', 'mid', 'senior']));
    expect(entries.filter((e) => e.kind === 'behavioural').length).toBeGreaterThanOrEqual(8);
    const topics = new Set(entries.flatMap((e) => e.topics));
    expect([...topics].sort()).toEqual(Object.keys(topicLabels).sort());
  });

  it('offers drills only where the lab step exists (the drill button opens /labs/<lab>/#step-<step>)', async () => {
    const { labs } = await loadLabs(labsDir);
    const steps = new Set(labs.flatMap((l) => l.manifest.steps.map((s) => `${l.id}/${s.id}`)));
    const drills = [...bank].filter(([, e]) => e.drill);
    expect(drills.length).toBeGreaterThanOrEqual(3);
    for (const [id, e] of drills) expect(steps, `${id}: drill`).toContain(`${e.drill!.lab}/${e.drill!.step}`);
  });

  it.each(ids)('%s: the sample answer hits every talking point (each point is matchable)', (id) => {
    const entry = bank.get(id)!;
    const feedback = answerFeedback(entry, { text: entry.sampleAnswer, answerKind: 'text', durationMs: 0 });
    const notHit = feedback.points.filter((p) => p.status !== 'hit').map((p) => `${p.id} (${p.status})`);
    expect(notHit).toEqual([]);
    if (entry.kind === 'behavioural') {
      expect(feedback.star?.parts.filter((p) => !p.present).map((p) => p.part)).toEqual([]);
      expect(feedback.star?.measurableResult).toBe(true);
    }
  });

  it('talking points of unrelated questions are rarely hit by a sample answer (phrases are specific)', () => {
    let total = 0;
    let pairs = 0;
    for (const [a, answer] of bank) {
      for (const [b, question] of bank) {
        if (a === b) continue;
        const f = answerFeedback(question, { text: answer.sampleAnswer, answerKind: 'text', durationMs: 0 });
        total += f.coverage.hit / f.coverage.total;
        pairs++;
      }
    }
    // Related questions share vocabulary; on average an answer to another question covers little.
    expect(total / pairs).toBeLessThan(0.2);
    // 56 x 55 answers (under 1 ms each, but the machine is shared with the full suite).
  }, 30_000);

  it('names the file and each bad field of a broken entry', async () => {
    const dir = path.join(repoRoot, 'test', 'fixtures', 'interview-broken');
    const error = await loadInterviewEntry(dir, 'bad-entry').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.file).toMatch(/test\/fixtures\/interview-broken\/bad-entry\.yaml$/);
    expect(v.problems).toEqual([
      'level: expected "level" to be one of junior, mid, senior, found "expert"',
      'talkingPoints[1].match: expected "match": a list of phrases the matcher looks for, e.g. match: ["lock info", "lock id"] (found nothing)',
      'sampleAnswer: the sample answer is too short (22 characters): write at least 200, concrete, with a trade-off and a result',
      'followUps: expected two follow-up questions an interviewer would ask next, found 1',
    ]);
  });
});
