/**
 * `dojo lab test`: proves a lab completable, and its checks hard to fool, before any learner sees
 * it (Instruqt's `track test`, iximiuz's hidden solution scripts, plus wrong answers).
 *
 * In a temporary DOJO_HOME, with the lab's sandbox started:
 *
 * 1. starter: every step is checked on the starter and must not pass; each individual check that
 *    passes there is named (a weak check among strong ones proves nothing on its own);
 * 2. in order, for each step: its setup runs (if any), then the step is checked just before its
 *    own solution, after the previous steps' solutions, and must not pass (a step that already
 *    passes there does not test this step's work); then its solution runs and the step must pass;
 * 3. wrong answers: for each `wrong/<step>/<name>.sh`, a fresh sandbox and workspace replay the
 *    earlier steps (setups and solutions) and the step's setup, the wrong answer runs (it must
 *    succeed as a script: it is what a learner plausibly does) and the step must not pass.
 *
 * Everything is torn down at the end. Nothing here throws at the caller: problems are reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { LoadedLab } from './load-labs.ts';
import type { StepResult } from '../shared/check-result.ts';
import { runStepChecks } from '../checks/check-engine.ts';
import { loadSandbox } from '../sandbox/load-sandbox.ts';
import { sandboxesDir } from '../shared/paths.ts';
import { toolEnv } from '../sandbox/which.ts';
import type { SandboxProgress } from '../sandbox/sandbox.ts';
import { ensureWorkspace } from './lab-workspace.ts';
import { applySolution, runSetup, runWrongAnswer, type ScriptResult } from './step-scripts.ts';
import { decideRegistrySteps, type RegistryDecision } from './registry-steps.ts';
import type { LabStep } from './lab-manifest.ts';

export type SelfTestPhase = 'starter' | 'before-solution' | 'after-solution' | 'wrong-answer';

export type SelfTestEvent =
  | { type: 'progress'; progress: SandboxProgress }
  | { type: 'phase'; message: string }
  | { type: 'step'; phase: SelfTestPhase; result: StepResult; ok: boolean; script?: string | undefined };

/** One check of a step, named the way an author finds it in the frontmatter. */
export interface CheckNote {
  /** 1-based position in the step's checks. */
  number: number;
  kind: string;
  /** Its options on one line, e.g. `state: free`. */
  options: string;
}

export interface WrongAnswerReport {
  script: string;
  /** The wrong answer's own run (it must succeed: a failing script proves nothing). */
  run?: ScriptResult | undefined;
  result?: StepResult | undefined;
  /** Checks that rejected it. */
  caughtBy: CheckNote[];
  ok: boolean;
  problem?: string | undefined;
}

export interface StepReport {
  step: string;
  starter: StepResult;
  /** Checks whose every assertion passes on the starter: weak on their own (named, not failed). */
  passingOnStarter: CheckNote[];
  setup?: ScriptResult | undefined;
  beforeSolution?: StepResult | undefined;
  solution?: ScriptResult | undefined;
  afterSolution?: StepResult | undefined;
  wrong: WrongAnswerReport[];
  ok: boolean;
  problems: string[];
  /** Things an author should know that do not fail the test. */
  notes: string[];
  /** Why the step's grading was skipped (it needs something this machine cannot have), or undefined. */
  notApplicable?: string | undefined;
}

export interface SelfTestReport {
  lab: string;
  passed: boolean;
  sandbox: Record<string, string>;
  steps: StepReport[];
  /** Problems outside any step (sandbox would not start, …). */
  problems: string[];
  durationMs: number;
  /** Whether steps that need hashicorp/aws ran here (DOJO_AWS_PROVIDER_STEPS), as one line. */
  registry?: string | undefined;
}

export interface SelfTestOptions {
  /** Where sandboxes/<id>.ts live (default: where the loader found the lab's sandbox). */
  sandboxesDir?: string;
  /** Run the wrong answers (default true). */
  wrongAnswers?: boolean;
  /** Whether steps that need hashicorp/aws can run (default: decided from DOJO_AWS_PROVIDER_STEPS). */
  registry?: RegistryDecision;
}

/** Why a step is not graded here, or null when it is. */
function notApplicable(step: LabStep, registry: RegistryDecision): string | null {
  return step.needs.includes('aws-provider') && !registry.applicable ? registry.line : null;
}

function failing(result: StepResult): string {
  if (result.status === 'error') return `error: ${result.message ?? ''}`;
  return result.assertions
    .filter((a) => !a.ok)
    .map((a) => `${a.check ?? ''}: ${a.message} (expected ${a.expected}; found ${a.found})`)
    .join('\n      ');
}

export function describeFailure(result: StepResult): string {
  return failing(result);
}

export function describeCheck(lab: LoadedLab, stepId: string, index: number): CheckNote {
  const check = lab.manifest.steps.find((s) => s.id === stepId)?.checks[index];
  const { kind = '?', hint: _hint, ...options } = (check ?? {}) as { kind?: string; hint?: unknown };
  const text = Object.keys(options).length
    ? stringify(options, { collectionStyle: 'flow', lineWidth: 0 })
        .trim()
        .replace(/^\{ ?| ?\}$/g, '')
    : '';
  return { number: index + 1, kind, options: text.length > 100 ? `${text.slice(0, 99)}…` : text };
}

export function formatCheck(c: CheckNote): string {
  return `check ${c.number} (${c.kind}${c.options ? ` ${c.options}` : ''})`;
}

/** Checks of a result whose assertions all passed (a check that errored counts as not passing). */
function passingChecks(lab: LoadedLab, result: StepResult): CheckNote[] {
  const step = lab.manifest.steps.find((s) => s.id === result.step);
  if (!step) return [];
  return step.checks
    .map((_, i) => i)
    .filter((i) => {
      const mine = result.assertions.filter((a) => a.checkIndex === i);
      return mine.length > 0 && mine.every((a) => a.ok);
    })
    .map((i) => describeCheck(lab, result.step, i));
}

function rejectingChecks(lab: LoadedLab, result: StepResult): CheckNote[] {
  const step = lab.manifest.steps.find((s) => s.id === result.step);
  if (!step) return [];
  const idx = new Set(result.assertions.filter((a) => !a.ok).map((a) => a.checkIndex));
  return step.checks
    .map((_, i) => i)
    .filter((i) => idx.has(i))
    .map((i) => describeCheck(lab, result.step, i));
}

interface Env {
  workspace: string;
  env: NodeJS.ProcessEnv;
  services: Record<string, string>;
}

/** A fresh DOJO_HOME, the starter laid down and the sandbox started, for the length of `work`. */
async function inSandbox<T>(
  lab: LoadedLab,
  options: SelfTestOptions,
  onEvent: (e: SelfTestEvent) => void,
  work: (env: Env) => Promise<T>,
): Promise<T> {
  const home = await mkdtemp(path.join(os.tmpdir(), `dojo-selftest-${lab.id}-`));
  try {
    const workspace = await ensureWorkspace(lab, home);
    // The folder the loader found the sandbox in (a labs folder may keep its own sandboxes/ beside it).
    const dir = options.sandboxesDir ?? (lab.sandbox ? path.dirname(lab.sandbox.file) : sandboxesDir());
    const sandbox = await loadSandbox(dir, lab.manifest.sandbox);
    await using started = await sandbox.start({
      workspace,
      dojoHome: home,
      onProgress: (progress) => onEvent({ type: 'progress', progress }),
    });
    return await work({ workspace, env: { ...toolEnv(), ...started.env }, services: started.services });
  } finally {
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  }
}

function scriptProblem(what: string, r: ScriptResult): string {
  return `${what} failed (exit ${r.exitCode}):\n${r.output.trimEnd()}`;
}

export async function selfTestLab(
  lab: LoadedLab,
  onEvent: (e: SelfTestEvent) => void = () => undefined,
  options: SelfTestOptions = {},
): Promise<SelfTestReport> {
  const started = performance.now();
  const report: SelfTestReport = { lab: lab.id, passed: false, sandbox: {}, steps: [], problems: [], durationMs: 0 };
  const steps = lab.manifest.steps;
  try {
    const registry = options.registry ?? (await decideRegistrySteps(process.env));
    if (steps.some((s) => s.needs.includes('aws-provider'))) {
      report.registry = registry.line;
      onEvent({ type: 'phase', message: registry.line });
    }
    options = { ...options, registry };
    onEvent({ type: 'phase', message: `starting sandbox ${lab.manifest.sandbox}` });
    await inSandbox(lab, options, onEvent, async ({ workspace, env, services }) => {
      report.sandbox = services;
      const check = (step: string) => runStepChecks(lab, step, { workspace, env });

      onEvent({ type: 'phase', message: 'checking every step on the starter (each must not pass)' });
      for (const step of steps) {
        const result = await check(step.id);
        const na = notApplicable(step, registry);
        const ok = na !== null || result.status !== 'pass';
        onEvent({ type: 'step', phase: 'starter', result, ok });
        report.steps.push({
          step: step.id,
          starter: result,
          passingOnStarter: na ? [] : passingChecks(lab, result),
          wrong: [],
          ok,
          problems: ok ? [] : ['passes on the starter: its checks do not prove the learner did anything'],
          notes: [],
          ...(na ? { notApplicable: na } : {}),
        });
      }

      for (const [i, step] of steps.entries()) {
        const rep = report.steps[i];
        if (!rep) continue;
        if (rep.notApplicable) {
          // Its files are what later steps commit and deploy: the solution still runs, as far as
          // it can here (the provider download it needs fails), and its grading is skipped.
          onEvent({
            type: 'phase',
            message: `${step.id}: not applicable here; applying solution/${step.id}.sh for its files`,
          });
          rep.solution = await applySolution(lab, step.id, workspace, env);
          continue;
        }
        try {
          if (step.setup) {
            onEvent({ type: 'phase', message: `${step.id}: setup ${step.setup.script} (${step.setup.label})` });
            rep.setup = (await runSetup(lab, step.id, workspace, env)) ?? undefined;
            if (rep.setup && !rep.setup.ok) {
              rep.ok = false;
              rep.problems.push(scriptProblem(`setup ${step.setup.script}`, rep.setup));
              break;
            }
          }
          rep.beforeSolution = await check(step.id);
          const failsBefore = rep.beforeSolution.status !== 'pass';
          onEvent({
            type: 'step',
            phase: 'before-solution',
            result: rep.beforeSolution,
            ok: failsBefore || step.passesBeforeSolution !== undefined,
          });
          if (!failsBefore && step.passesBeforeSolution) {
            rep.notes.push(`passes before its own solution, as its frontmatter declares: ${step.passesBeforeSolution}`);
          } else if (!failsBefore) {
            rep.ok = false;
            rep.problems.push(
              `passes before its own solution (after the previous steps' solutions${step.setup ? ' and its setup' : ''}): its checks do not test this step's work`,
            );
          }
          onEvent({ type: 'phase', message: `${step.id}: applying solution/${step.id}.sh` });
          rep.solution = await applySolution(lab, step.id, workspace, env);
          if (!rep.solution.ok) {
            rep.ok = false;
            rep.problems.push(scriptProblem(`solution/${step.id}.sh`, rep.solution));
            break;
          }
          rep.afterSolution = await check(step.id);
          const passes = rep.afterSolution.status === 'pass';
          onEvent({ type: 'step', phase: 'after-solution', result: rep.afterSolution, ok: passes });
          if (!passes) {
            rep.ok = false;
            rep.problems.push(`does not pass after its solution:\n      ${failing(rep.afterSolution)}`);
            break; // later steps build on this one
          }
        } catch (err) {
          rep.ok = false;
          rep.problems.push((err as Error).message);
          break;
        }
      }
    });

    const completed = report.steps.every((s) => s.notApplicable || s.afterSolution?.status === 'pass');
    if (completed && options.wrongAnswers !== false) await runWrongAnswers(lab, report, onEvent, options);
    const ran = report.steps.every((s) => s.notApplicable || s.afterSolution !== undefined);
    if (!ran && report.steps.every((s) => s.problems.length === 0)) report.problems.push('not every step was reached');
    report.passed = ran && report.steps.every((s) => s.ok) && report.problems.length === 0;
  } catch (err) {
    report.problems.push((err as Error).message);
  } finally {
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

/** Each wrong answer in a fresh sandbox, on top of the earlier steps' solutions and the step's setup. */
async function runWrongAnswers(
  lab: LoadedLab,
  report: SelfTestReport,
  onEvent: (e: SelfTestEvent) => void,
  options: SelfTestOptions,
): Promise<void> {
  const steps = lab.manifest.steps;
  for (const [k, step] of steps.entries()) {
    const rep = report.steps[k];
    for (const script of lab.wrong[step.id] ?? []) {
      if (!rep || rep.notApplicable) continue;
      const entry: WrongAnswerReport = { script, caughtBy: [], ok: false };
      rep.wrong.push(entry);
      onEvent({ type: 'phase', message: `${step.id}: wrong answer ${script} (replaying ${k} earlier step(s))` });
      try {
        await inSandbox(
          lab,
          options,
          () => undefined,
          async ({ workspace, env }) => {
            for (const earlier of steps.slice(0, k + 1)) {
              const setup = await runSetup(lab, earlier.id, workspace, env);
              if (setup && !setup.ok) throw new Error(scriptProblem(`replaying setup of ${earlier.id}`, setup));
              if (earlier.id === step.id) break;
              const solved = await applySolution(lab, earlier.id, workspace, env);
              const skipped = options.registry ? notApplicable(earlier, options.registry) : null;
              if (!solved.ok && !skipped) throw new Error(scriptProblem(`replaying solution/${earlier.id}.sh`, solved));
            }
            entry.run = await runWrongAnswer(lab, script, workspace, env);
            if (!entry.run.ok) {
              entry.problem = `${scriptProblem(script, entry.run)}\n      A wrong answer must run to the end (it is what a learner plausibly does); make the script succeed.`;
              return;
            }
            entry.result = await runStepChecks(lab, step.id, { workspace, env });
            entry.ok = entry.result.status === 'fail';
            entry.caughtBy = rejectingChecks(lab, entry.result);
            onEvent({ type: 'step', phase: 'wrong-answer', result: entry.result, ok: entry.ok, script });
            if (entry.result.status === 'pass') {
              entry.problem = `${script} passes: the step's checks accept this wrong answer; add a check that tells it apart`;
            } else if (entry.result.status === 'error') {
              entry.problem = `${script}: the checks could not run (${entry.result.message ?? ''}), so it is not known whether they reject it`;
            }
          },
        );
      } catch (err) {
        entry.problem = `${script}: ${(err as Error).message}`;
      }
      if (!entry.ok) {
        rep.ok = false;
        rep.problems.push(entry.problem ?? `${script} was not rejected`);
      }
    }
  }
}
