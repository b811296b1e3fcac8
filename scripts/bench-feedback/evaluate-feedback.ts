/**
 * Scores the interview feedback against a labelled evaluation set (test/fixtures/interview-eval/ and the
 * held-out test/fixtures/interview-eval-fresh/). Each file holds answers to one question of the bank; each
 * answer lists the talking points it really makes (`hit`) and those it explicitly denies (`denied`); every
 * other point is absent. Behavioural answers also say which STAR parts they have.
 *
 * The figures are the ones the issue asks for: precision and recall of hits on answers that are not keyword
 * lists, how often a denial is read as one, the share of points a keyword list gets, STAR part accuracy, and
 * the time feedback takes per answer.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { answerFeedback } from '../../src/interview/answer-feedback.ts';
import type { Feedback } from '../../src/shared/interview-api.ts';
import type { InterviewEntry } from '../../src/shared/interview-entry.ts';
import { parseWithFriendlyErrors } from '../../src/shared/friendly-error.ts';

const starLabelSchema = z.strictObject({
  situation: z.boolean(),
  task: z.boolean(),
  action: z.boolean(),
  result: z.boolean(),
  measurable: z.boolean(),
});

export const evalAnswerSchema = z.strictObject({
  id: z.string().min(1),
  /** How the answer was written: list answers are scored apart (they should earn almost nothing). */
  style: z.enum(['strong', 'medium', 'weak', 'negated', 'list', 'star', 'paraphrase']),
  text: z.string().min(1),
  hit: z.array(z.string()).default([]),
  denied: z.array(z.string()).default([]),
  star: starLabelSchema.optional(),
});

export const evalFileSchema = z.strictObject({
  question: z.string().min(1),
  answers: z.array(evalAnswerSchema).min(1),
});

export type EvalAnswer = z.infer<typeof evalAnswerSchema>;
export type StarLabel = z.infer<typeof starLabelSchema>;
export interface EvalFile {
  file: string;
  question: string;
  answers: EvalAnswer[];
}

/** Every `*.yaml` of `dir`, validated; a label that names no talking point of its question is an error. */
export async function loadEvalSet(dir: string, bank: ReadonlyMap<string, InterviewEntry>): Promise<EvalFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const out: EvalFile[] = [];
  for (const f of files) {
    const shown = path.join(path.basename(dir), f);
    const parsed = parseWithFriendlyErrors(evalFileSchema, parseYaml(await readFile(path.join(dir, f), 'utf8')), shown);
    const entry = bank.get(parsed.question);
    if (!entry)
      throw new Error(`${shown}: expected "question" to name an entry of interview/, found "${parsed.question}"`);
    const ids = new Set(entry.talkingPoints.map((p) => p.id));
    for (const a of parsed.answers) {
      for (const id of [...a.hit, ...a.denied]) {
        if (!ids.has(id)) {
          throw new Error(
            `${shown}: answer ${a.id} labels "${id}", which is not a talking point of ${parsed.question}`,
          );
        }
      }
      if (entry.kind === 'behavioural' && !a.star) throw new Error(`${shown}: answer ${a.id} needs STAR labels`);
    }
    out.push({ file: shown, question: parsed.question, answers: parsed.answers });
  }
  return out;
}

export interface Mismatch {
  answer: string;
  point: string;
  expected: 'hit' | 'denied' | 'absent';
  found: string;
}

export interface EvalScore {
  questions: number;
  answers: number;
  pairs: number;
  /** Non-list answers. */
  hits: { truePositive: number; falsePositive: number; falseNegative: number; precision: number; recall: number };
  /**
   * Points labelled denied: shown as negated / at least not credited. `invented`: points the answer
   * neither makes nor denies that are shown as denied anyway (out of `absent` such points).
   * `reversed`: points the answer makes (non-list answers) that are shown as denied: the learner is
   * told they denied what they said.
   */
  denials: {
    total: number;
    readAsDenial: number;
    notCredited: number;
    accuracy: number;
    invented: number;
    absent: number;
    reversed: number;
  };
  /** Keyword-list answers: points credited out of points asked. */
  lists: { answers: number; points: number; credited: number; share: number };
  /** Non-list pairs shown as "partly covered" (never counted as hits). */
  partial: { pairs: number; labelledHit: number };
  star: { answers: number; checks: number; correct: number; accuracy: number; byPart: Record<keyof StarLabel, number> };
  timesMs: number[];
  mismatches: Mismatch[];
  starMismatches: { answer: string; part: string; expected: boolean; found: boolean }[];
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

/** Runs the feedback on every answer and scores it against the labels. */
export async function scoreEvalSet(
  files: readonly EvalFile[],
  bank: ReadonlyMap<string, InterviewEntry>,
): Promise<EvalScore> {
  const s: EvalScore = {
    questions: files.length,
    answers: 0,
    pairs: 0,
    hits: { truePositive: 0, falsePositive: 0, falseNegative: 0, precision: 0, recall: 0 },
    denials: { total: 0, readAsDenial: 0, notCredited: 0, accuracy: 0, invented: 0, absent: 0, reversed: 0 },
    lists: { answers: 0, points: 0, credited: 0, share: 0 },
    partial: { pairs: 0, labelledHit: 0 },
    star: {
      answers: 0,
      checks: 0,
      correct: 0,
      accuracy: 0,
      byPart: { situation: 0, task: 0, action: 0, result: 0, measurable: 0 },
    },
    timesMs: [],
    mismatches: [],
    starMismatches: [],
  };
  for (const file of files) {
    const entry = bank.get(file.question);
    if (!entry) continue;
    for (const a of file.answers) {
      s.answers++;
      const t0 = performance.now();
      const feedback: Feedback = await answerFeedback(entry, { text: a.text, answerKind: 'text', durationMs: 0 });
      s.timesMs.push(performance.now() - t0);
      const isList = a.style === 'list';
      if (isList) s.lists.answers++;
      for (const point of feedback.points) {
        s.pairs++;
        const expected = a.hit.includes(point.id) ? 'hit' : a.denied.includes(point.id) ? 'denied' : 'absent';
        const found = point.status as string;
        const credited = found === 'hit';
        if (expected === 'denied') {
          s.denials.total++;
          if (found === 'negated') s.denials.readAsDenial++;
          if (!credited) s.denials.notCredited++;
        }
        if (expected === 'absent') {
          s.denials.absent++;
          if (found === 'negated') s.denials.invented++;
        }
        if (isList) {
          s.lists.points++;
          if (credited) s.lists.credited++;
        } else {
          if (found === 'partial') {
            s.partial.pairs++;
            if (expected === 'hit') s.partial.labelledHit++;
          }
          if (expected === 'hit' && found === 'negated') s.denials.reversed++;
          if (expected === 'hit' && credited) s.hits.truePositive++;
          else if (expected === 'hit') s.hits.falseNegative++;
          else if (credited) s.hits.falsePositive++;
        }
        const wrong =
          (expected === 'hit' && !credited) ||
          (expected !== 'hit' && credited) ||
          (expected === 'denied' && found !== 'negated') ||
          (expected === 'absent' && found === 'negated');
        if (wrong) s.mismatches.push({ answer: a.id, point: point.id, expected, found });
      }
      if (a.star && feedback.star) {
        s.star.answers++;
        const present = Object.fromEntries(feedback.star.parts.map((p) => [p.part, p.present]));
        const found: StarLabel = {
          situation: present['situation'] === true,
          task: present['task'] === true,
          action: present['action'] === true,
          result: present['result'] === true,
          measurable: feedback.star.measurableResult,
        };
        for (const part of Object.keys(found) as (keyof StarLabel)[]) {
          s.star.checks++;
          if (found[part] === a.star[part]) {
            s.star.correct++;
            s.star.byPart[part]++;
          } else {
            s.starMismatches.push({ answer: a.id, part, expected: a.star[part], found: found[part] });
          }
        }
      }
    }
  }
  s.hits.precision = ratio(s.hits.truePositive, s.hits.truePositive + s.hits.falsePositive);
  s.hits.recall = ratio(s.hits.truePositive, s.hits.truePositive + s.hits.falseNegative);
  s.denials.accuracy = ratio(s.denials.readAsDenial, s.denials.total);
  s.lists.share = s.lists.points === 0 ? 0 : s.lists.credited / s.lists.points;
  s.star.accuracy = ratio(s.star.correct, s.star.checks);
  return s;
}
