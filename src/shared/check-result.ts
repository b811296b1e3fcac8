/**
 * What a check run returns, shared by the runner API, the CLI's --json and the browser.
 * Every assertion says what was expected, what was found, and how to fix it.
 */
import { z } from 'zod';

export const assertionSchema = z.strictObject({
  ok: z.boolean(),
  /** What the check wanted, in words a learner can compare with what they see. */
  expected: z.string(),
  /** What it observed, naming where it looked. */
  found: z.string(),
  /** One sentence, e.g. "state object s3://dojo-tfstate/lab.tfstate not found (bucket has 0 objects)". */
  message: z.string(),
  /** The most likely cause and fix; shown on failure. */
  hint: z.string().optional(),
  /** Which check (kind) produced it, for grouping in the UI. */
  check: z.string().optional(),
  /** Position of that check in the step's `checks` (0-based), so each check's verdict can be named. */
  checkIndex: z.number().int().nonnegative().optional(),
});

export const stepResultSchema = z.strictObject({
  lab: z.string(),
  step: z.string(),
  /** pass: every assertion ok; fail: some assertion not ok; error: the check could not run (see message). */
  status: z.enum(['pass', 'fail', 'error']),
  assertions: z.array(assertionSchema),
  /** Set when status is error: what went wrong and what to do. */
  message: z.string().optional(),
  durationMs: z.number(),
});

export type Assertion = z.infer<typeof assertionSchema>;
export type StepResult = z.infer<typeof stepResultSchema>;
