/**
 * `npm run bench:feedback`: how far an interviewer would agree with the interview feedback, measured on
 * labelled answers, and how long the feedback takes per answer. The sets:
 * - test/fixtures/interview-eval/: the set the matcher was tuned on (round 2 added answers for 19
 *   questions of the revised bank, each batch run once before the fixes it led to);
 * - test/fixtures/interview-eval-fresh/: written after tuning; its first run showed generic faults that
 *   were then fixed, so it no longer counts as held out;
 * - test/fixtures/interview-eval-fresh2/: the same, a second round (its first run led to more fixes);
 * - test/fixtures/interview-eval-fresh3/: a third round, likewise;
 * - test/fixtures/interview-eval-fresh4/: written after round 1, run once; its misses were studied in
 *   round 2, so it is no longer held out;
 * - test/fixtures/interview-eval-fresh5/: written after the last change of round 2 (six of its 13
 *   questions never in the tuning set), run once; round 3 studied its misses, so no longer held out;
 * - test/fixtures/interview-eval-fresh6/: written blind (questions and talking points only, never the
 *   matcher or its phrases) during round 3, run once after round 3's last change, never tuned on:
 *   held out;
 * - test/fixtures/interview-eval-fresh7/: written blind the same way after round 3 (82 answers to 16
 *   questions, 9 of them in no earlier set), run once on round 3's matcher, never tuned on except
 *   its six keyword lists (round 3) and its denials in other words (round 4);
 * - test/fixtures/interview-eval-fresh8/: written blind the same way after round 4 (83 answers to 16
 *   questions), run once on round 4's matcher, never tuned on: held out.
 *
 * Usage: npm run bench:feedback [-- --set eval|fresh|fresh2|fresh3|fresh4|fresh5|fresh6|fresh7|fresh8|all] [-- --verbose] [-- --json]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadInterviewBank } from '../src/interview/load-interview-entry.ts';
import { interviewDir, repoRoot } from '../src/shared/paths.ts';
import { loadEvalSet, scoreEvalSet, type EvalScore } from './bench-feedback/evaluate-feedback.ts';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'all' },
    verbose: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const sets: Record<string, string> = {
  eval: path.join(repoRoot, 'test', 'fixtures', 'interview-eval'),
  fresh: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh'),
  fresh2: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh2'),
  fresh3: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh3'),
  fresh4: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh4'),
  fresh5: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh5'),
  fresh6: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh6'),
  fresh7: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh7'),
  fresh8: path.join(repoRoot, 'test', 'fixtures', 'interview-eval-fresh8'),
};
const chosen = values.set === 'all' ? Object.keys(sets) : [values.set ?? ''];
for (const name of chosen) {
  if (!sets[name])
    throw new Error(
      `expected --set eval, fresh, fresh2, fresh3, fresh4, fresh5, fresh6, fresh7, fresh8 or all, found "${name}"`,
    );
}

const bank = await loadInterviewBank(interviewDir);

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const quantile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

const results: Record<string, EvalScore & { coldMs: number }> = {};
for (const name of chosen) {
  const dir = sets[name] ?? '';
  const files = await loadEvalSet(dir, bank).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  });
  if (!files) {
    console.log(`${name}: no set at ${path.relative(repoRoot, dir)}`);
    continue;
  }
  // The first answer pays for loading the language model; later ones show the steady cost.
  const score = await scoreEvalSet(files, bank);
  const [coldMs = 0, ...warm] = score.timesMs;
  results[name] = { ...score, timesMs: warm, coldMs };
}

if (values.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const names = Object.keys(results);
  const at = (n: string) => results[n] as EvalScore & { coldMs: number };
  const rows: [string, (s: EvalScore & { coldMs: number }) => string][] = [
    ['questions / answers / answer-point pairs', (s) => `${s.questions} / ${s.answers} / ${s.pairs}`],
    ['hit precision, non-list answers (>= 95 %)', (s) => pct(s.hits.precision)],
    ['hit recall, non-list answers (>= 92 %)', (s) => pct(s.hits.recall)],
    [
      '  true / false positives, false negatives',
      (s) => `${s.hits.truePositive} / ${s.hits.falsePositive}, ${s.hits.falseNegative}`,
    ],
    [
      'denials read as denials (>= 92 %)',
      (s) => `${pct(s.denials.accuracy)} (${s.denials.readAsDenial}/${s.denials.total})`,
    ],
    ['  denials not credited as hits', (s) => `${pct(s.denials.notCredited / Math.max(1, s.denials.total))}`],
    [
      '  points shown as denied that were not',
      (s) => `${pct(s.denials.invented / Math.max(1, s.denials.absent))} (${s.denials.invented}/${s.denials.absent})`,
    ],
    [
      '  points made but shown as denied',
      (s) =>
        `${pct(s.denials.reversed / Math.max(1, s.hits.truePositive + s.hits.falseNegative))} (${s.denials.reversed}/${s.hits.truePositive + s.hits.falseNegative})`,
    ],
    ['points given to keyword lists (<= 20 %)', (s) => `${pct(s.lists.share)} (${s.lists.credited}/${s.lists.points})`],
    ['"partly covered" verdicts (of them labelled hit)', (s) => `${s.partial.pairs} (${s.partial.labelledHit})`],
    [
      'STAR part accuracy (S, T, A, R, measurable)',
      (s) => `${pct(s.star.accuracy)} (${s.star.correct}/${s.star.checks})`,
    ],
    [
      '  per part S / T / A / R / M',
      (s) =>
        (['situation', 'task', 'action', 'result', 'measurable'] as const)
          .map((p) => `${s.star.byPart[p]}/${s.star.answers}`)
          .join(' '),
    ],
    [
      'feedback per answer p50 / p95 (< 50 ms)',
      (s) => `${quantile(s.timesMs, 50).toFixed(2)} / ${quantile(s.timesMs, 95).toFixed(2)} ms`,
    ],
    ['first answer (loads the analyser)', (s) => `${s.coldMs.toFixed(0)} ms`],
  ];
  console.log(`bench:feedback  Node ${process.version}\n`);
  const width = Math.max(...rows.map(([label]) => label.length));
  // Each column as wide as its widest cell plus two spaces, so no two cells ever run together.
  const colWidth = Math.max(20, ...names.flatMap((n) => rows.map(([, cell]) => cell(at(n)).length))) + 2;
  console.log(`${''.padEnd(width)}${names.map((n) => n.padStart(colWidth)).join('')}`);
  for (const [label, cell] of rows) {
    console.log(`${label.padEnd(width)}${names.map((n) => cell(at(n)).padStart(colWidth)).join('')}`);
  }
  if (values.verbose) {
    for (const n of names) {
      const s = at(n);
      console.log(`\n${n}: talking-point disagreements`);
      for (const m of s.mismatches)
        console.log(`  ${m.answer.padEnd(14)} ${m.point.padEnd(22)} labelled ${m.expected.padEnd(7)} found ${m.found}`);
      console.log(`${n}: STAR disagreements`);
      for (const m of s.starMismatches)
        console.log(
          `  ${m.answer.padEnd(14)} ${m.part.padEnd(11)} labelled ${String(m.expected).padEnd(6)} found ${m.found}`,
        );
    }
  }
}
