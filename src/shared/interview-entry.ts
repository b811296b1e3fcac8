/**
 * An interview question-bank entry: one YAML file in `interview/`, named `<id>.yaml`.
 *
 * Shared by the Astro content collection (build-time validation) and the practice page's
 * feedback code, so the matcher sees exactly the talking points the build accepted.
 */
import { z } from 'zod';
import { expected, idSchema } from './ids.ts';

export const interviewTopics = [
  'terraform-state',
  'locking',
  'recovery',
  'drift',
  'import-refactor',
  'workspaces',
  'modules',
  'iac-tools',
  'opentofu',
  'backends',
  'secrets',
  'gitops',
  'argocd',
  'flux',
  'sync-waves',
  'multi-env',
  'kustomize',
  'helm',
  'platform',
  'policy-as-code',
  'ci-cd',
  'rollback',
  'incident',
  'kubernetes',
] as const;

export const talkingPointSchema = z.strictObject({
  /** Unique within the entry; used in attempt records. */
  id: idSchema,
  /** The specific thing a strong answer mentions. */
  point: z.string().min(5),
  /** The idea in a few plain words, shown when the point is missed or only partly covered. */
  description: z.string({ error: 'expected "description": the idea of the point in a few plain words' }).min(5),
  /**
   * Phrases the local matcher looks for (lemmatised and stemmed, case-insensitive, words in any order
   * within a few words of each other, in a clause that asserts them). `a|b` in a phrase is a choice of
   * words at that place: "delete|remove|drop from git".
   */
  match: z
    .array(z.string().min(2), {
      error: expected(
        'expected "match": a list of phrases the matcher looks for, e.g. match: ["lock info", "lock id"]',
      ),
    })
    .min(1, { error: 'a talking point needs at least one phrase under "match"' }),
  /**
   * Names that alone do not make the point ("sync wave", "chart", "OPA"): mentioned without a phrase
   * of `match`, the point is shown as partly covered, never as a hit.
   */
  terms: z.array(z.string().min(2)).default([]),
});

const labLinkSchema = z.strictObject({ lab: idSchema, step: idSchema });

export const interviewEntrySchema = z
  .strictObject({
    question: z.string({ error: 'expected "question": the question as an interviewer asks it' }).min(10),
    probing: z.string({ error: 'expected "probing": one line on what the interviewer is probing' }).min(10),
    level: z.enum(['junior', 'mid', 'senior'], {
      error: expected('expected "level" to be one of junior, mid, senior'),
    }),
    kind: z.enum(['technical', 'behavioural'], { error: expected('expected "kind" to be technical or behavioural') }),
    topics: z
      .array(z.enum(interviewTopics, { error: expected(`expected a topic from: ${interviewTopics.join(', ')}`) }))
      .min(1),
    strategy: z
      .array(z.string().min(3))
      .min(2, { error: 'expected "strategy": at least two steps of answer structure' }),
    talkingPoints: z.array(talkingPointSchema).min(3, { error: 'expected at least 3 talking points' }),
    sampleAnswer: z.string({ error: 'expected "sampleAnswer": a first-person sample answer' }).min(200, {
      error: (issue) =>
        `the sample answer is too short (${String(issue.input).length} characters): write at least 200, concrete, with a trade-off and a result`,
    }),
    followUps: z.array(z.string().min(5)).min(2, {
      error: (issue) =>
        `expected two follow-up questions an interviewer would ask next, found ${Array.isArray(issue.input) ? issue.input.length : 0}`,
    }),
    labs: z.array(labLinkSchema).default([]),
    /** A lab step that reproduces this question's story, offered as an incident drill. */
    drill: labLinkSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    const seen = new Set<string>();
    entry.talkingPoints.forEach((tp, i) => {
      if (seen.has(tp.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['talkingPoints', i, 'id'],
          message: `duplicate talking point id "${tp.id}"; ids must be unique within the entry`,
        });
      }
      seen.add(tp.id);
    });
  });

export type InterviewEntry = z.infer<typeof interviewEntrySchema>;
export type TalkingPoint = z.infer<typeof talkingPointSchema>;
