/**
 * Runs the checks of one step against a workspace and returns a StepResult.
 *
 * Checks of a step run concurrently and share one Observations memo, so evidence such as
 * `show -json` is gathered once per run. A check that cannot run (tool missing, emulator down,
 * workspace not initialised) makes the step `error` with that check's message and fix; an
 * unexpected exception is reported the same way, never thrown at the caller.
 */
import createDebug from 'debug';
import type { LoadedLab } from '../labs/load-labs.ts';
import type { Assertion, StepResult } from '../shared/check-result.ts';
import { CheckEnvironmentError } from './check-kind.ts';
import { Observations } from './observations.ts';
import { findCheckKind } from './registry.ts';

const debug = createDebug('dojo:checks');

export interface RunStepOptions {
  workspace: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Overall budget for the step's checks. */
  timeoutMs?: number;
  /** Receives the run's observations when it ends (benchmarks read their timings). */
  onObservations?: (observations: Observations) => void;
}

export async function runStepChecks(lab: LoadedLab, stepId: string, options: RunStepOptions): Promise<StepResult> {
  const started = performance.now();
  const done = (status: StepResult['status'], assertions: Assertion[], message?: string): StepResult => ({
    lab: lab.id,
    step: stepId,
    status,
    assertions,
    ...(message ? { message } : {}),
    durationMs: Math.round(performance.now() - started),
  });
  const step = lab.manifest.steps.find((s) => s.id === stepId);
  if (!step) {
    return done(
      'error',
      [],
      `expected a step of lab "${lab.id}" named "${stepId}"; its steps are ${lab.manifest.steps.map((s) => s.id).join(', ')}`,
    );
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const observations = new Observations();
  const ctx = { workspace: options.workspace, env: options.env, observations, signal };

  const results = await Promise.all(
    step.checks.map(async (ref, checkIndex) => {
      const kind = findCheckKind(ref.kind);
      if (!kind) return { error: `unknown check kind "${ref.kind}" (the lab should not have built)` };
      const parsed = kind.schema.safeParse(ref);
      if (!parsed.success) return { error: `${ref.kind}: invalid options: ${parsed.error.issues[0]?.message ?? ''}` };
      try {
        const assertions = await kind.run(parsed.data, ctx);
        return { assertions: assertions.map((a) => ({ ...a, check: ref.kind, checkIndex })) };
      } catch (err) {
        if (err instanceof CheckEnvironmentError) return { error: err.message, hint: err.hint };
        if (timeout.aborted)
          return {
            error: `${ref.kind}: no result within ${(options.timeoutMs ?? 120_000) / 1000} s`,
            hint: 'Is a command waiting for input or a lock? Try again.',
          };
        debug('check %s crashed: %O', ref.kind, err);
        return { error: `${ref.kind} could not run: ${(err as Error).message}` };
      }
    }),
  );
  debug('%s/%s: %d observation(s)', lab.id, stepId, observations.size);
  options.onObservations?.(observations);

  const assertions = results.flatMap((r) => ('assertions' in r ? r.assertions : []));
  const errors = results.filter((r): r is { error: string; hint?: string | undefined } => 'error' in r);
  if (errors.length) {
    // Show what did run too: a learner can fix the rest while the environment problem is sorted.
    const message = [...new Set(errors.map((e) => (e.hint ? `${e.error}. ${e.hint}` : e.error)))].join('\n');
    return done('error', assertions, message);
  }
  return done(assertions.every((a) => a.ok) ? 'pass' : 'fail', assertions);
}
