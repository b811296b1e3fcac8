/**
 * The lab API between the lab page and the runner (zod schemas shared by both).
 *
 * GET  /api/labs/:lab/progress               → LabProgress
 * GET  /api/labs/:lab/watch                  → SSE `check` events (StepResult) after workspace edits
 * POST /api/labs/:lab/steps/:step/check      → StepResult (src/shared/check-result.ts)
 * POST /api/labs/:lab/steps/:step/hint       → HintReveal (the next rung of the ladder)
 * POST /api/labs/:lab/steps/:step/solution   → SolutionReveal (records that it was revealed)
 * POST /api/labs/:lab/steps/:step/solve      → ScriptRun, then the step is checked (result inside)
 * POST /api/labs/:lab/steps/:step/setup      → ScriptRun (stages the step's break-it moment)
 * POST /api/labs/:lab/steps/:step/reset      → ResetResult (workspace backed up first)
 */
import { z } from 'zod';
import { stepResultSchema } from './check-result.ts';

export const stepProgressSchema = z.strictObject({
  step: z.string(),
  status: z.enum(['not-started', 'pass', 'fail', 'error']),
  /** When the step first passed; a later failing re-check does not take it back. */
  passedAt: z.string().nullable(),
  /** When the step last passed a check: after passedAt when it was proven again (e.g. after a rebuild). */
  lastPassedAt: z.string().nullable(),
  attempts: z.number().int(),
  hintsRevealed: z.number().int(),
  solutionRevealed: z.boolean(),
  solutionApplied: z.boolean(),
  setupDone: z.boolean(),
  lastResult: stepResultSchema.nullable(),
});

export const labProgressSchema = z.strictObject({
  lab: z.string(),
  /** Where the lab's workspace is, or will be once the terminal or a check first needs it. */
  workspace: z.string(),
  steps: z.array(stepProgressSchema),
});

export const hintRevealSchema = z.strictObject({
  step: z.string(),
  index: z.number().int(),
  total: z.number().int(),
  hints: z.array(z.string()),
});
export const solutionRevealSchema = z.strictObject({ step: z.string(), file: z.string(), script: z.string() });
export const scriptRunSchema = z.strictObject({
  step: z.string(),
  ok: z.boolean(),
  exitCode: z.number().int(),
  output: z.string(),
  durationMs: z.number(),
  result: stepResultSchema.optional(),
});
export const resetResultSchema = z.strictObject({
  step: z.string(),
  backup: z.string().nullable(),
  workspace: z.string(),
  replayed: z.array(z.string()),
});

export type StepProgress = z.infer<typeof stepProgressSchema>;
export type LabProgress = z.infer<typeof labProgressSchema>;
export type HintReveal = z.infer<typeof hintRevealSchema>;
export type SolutionReveal = z.infer<typeof solutionRevealSchema>;
export type ScriptRun = z.infer<typeof scriptRunSchema>;
export type ResetResult = z.infer<typeof resetResultSchema>;

/**
 * The button that replays the earlier steps after the sandbox lost their data (a reset of the step
 * the learner is on). A check message that names it in quotes gets the button on the page.
 */
export const REBUILD_LABEL = 'Rebuild earlier steps';

export const labApi = {
  progress: (lab: string) => `/api/labs/${encodeURIComponent(lab)}/progress`,
  watch: (lab: string) => `/api/labs/${encodeURIComponent(lab)}/watch`,
  step: (lab: string, step: string, action: 'check' | 'hint' | 'solution' | 'solve' | 'setup' | 'reset') =>
    `/api/labs/${encodeURIComponent(lab)}/steps/${encodeURIComponent(step)}/${action}`,
};
