/**
 * A check kind: a schema for its options (validated when the lab builds), an example for the
 * authoring guide, and `run`, which gathers observations through the run's memo and turns them
 * into assertions. Keep the judging part a pure function of the observation (export it) so unit
 * tests can feed it real captured outputs; keep I/O in the observation getters.
 */
import type { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import type { Observations } from './observations.ts';

/** Thrown by observation getters when the check cannot run (tool missing, emulator down, invalid HCL). */
export class CheckEnvironmentError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'CheckEnvironmentError';
    this.hint = hint;
  }
}

export interface CheckContext {
  /** The learner's workspace for this lab. */
  workspace: string;
  /** The sandbox environment (endpoints, credentials, KUBECONFIG…), as the terminal has it. */
  env: NodeJS.ProcessEnv;
  /** Memoized observations for this check run: one `show -json` per run, not per assertion. */
  observations: Observations;
  signal: AbortSignal;
}

/**
 * A step id a check's options name (e.g. `baseline.step`), validated when the lab loads: the step
 * must exist, come no later than the step holding the check, and have a setup when `needsSetup`.
 */
export interface StepReference {
  /** Where the id is written, relative to the check (e.g. ["baseline", "step"]). */
  path: (string | number)[];
  step: string;
  /** Baselines are recorded when a step's setup runs: the named step must have one. */
  needsSetup: boolean;
}

export interface CheckKind<S extends z.ZodType = z.ZodType> {
  /** The `kind:` value in lab frontmatter, e.g. "terraform.resource". */
  kind: string;
  /** One line for the authoring guide. */
  title: string;
  /** Options schema, including `kind` as a literal. */
  schema: S;
  /** A realistic example, rendered in the authoring guide and validated by the tests. */
  example: z.input<S>;
  run(options: z.output<S>, ctx: CheckContext): Promise<Assertion[]>;
  /** Step ids the options refer to, for the cross-reference validation at load. */
  references?(options: z.output<S>): StepReference[];
}

/** Identity with inference, so each check module reads `export const x = defineCheck({...})`. */
export function defineCheck<S extends z.ZodType>(check: CheckKind<S>): CheckKind<S> {
  return check;
}
