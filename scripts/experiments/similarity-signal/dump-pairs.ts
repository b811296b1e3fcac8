/**
 * Writes every labelled answer of the feedback benchmark's sets, with the matcher's verdict on each
 * of its question's talking points, as JSON for evaluate.py (README.md in this folder says why).
 *
 * Usage: node scripts/experiments/similarity-signal/dump-pairs.ts <out.json>
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { answerFeedback } from '../../../src/interview/answer-feedback.ts';
import { loadInterviewBank } from '../../../src/interview/load-interview-entry.ts';
import { interviewDir, repoRoot } from '../../../src/shared/paths.ts';
import { loadEvalSet } from '../../bench-feedback/evaluate-feedback.ts';

const out = process.argv[2];
if (!out) {
  throw new Error(
    'expected the output path as the first argument, found none. Fix: node scripts/experiments/similarity-signal/dump-pairs.ts /tmp/pairs.json',
  );
}

const bank = await loadInterviewBank(interviewDir);

const fixtures = path.join(repoRoot, 'test', 'fixtures');
const sets = readdirSync(fixtures)
  .filter((d) => /^interview-eval(-fresh\d*)?$/.test(d))
  .sort();
const answers: unknown[] = [];
const questions: Record<string, unknown> = {};
for (const dir of sets) {
  const name = dir === 'interview-eval' ? 'eval' : dir.replace('interview-eval-', '');
  for (const file of await loadEvalSet(path.join(fixtures, dir), bank)) {
    const entry = bank.get(file.question);
    if (!entry) continue;
    questions[file.question] = {
      question: entry.question,
      points: entry.talkingPoints.map((p) => ({ id: p.id, point: p.point, description: p.description })),
    };
    for (const a of file.answers) {
      const feedback = await answerFeedback(entry, { text: a.text, answerKind: 'text', durationMs: 0 });
      answers.push({
        set: name,
        question: file.question,
        answer: a.id,
        style: a.style,
        text: a.text,
        verdicts: Object.fromEntries(feedback.points.map((p) => [p.id, p.status])),
        hit: a.hit,
        denied: a.denied,
      });
    }
  }
}
writeFileSync(out, JSON.stringify({ answers, questions }));
console.log(`${answers.length} answers of ${sets.length} sets written to ${out}`);
