/**
 * `dojo lab test`: proves a lab completable before any learner sees it (Instruqt's `track test`).
 *
 * In a temporary DOJO_HOME: start the lab's sandbox, lay the starter down, expect every step NOT
 * to pass on the starter; then for each step in order run its setup (and expect the step not to
 * pass after the break), apply its solution, and expect it to pass. Tear everything down.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LoadedLab } from './load-labs.ts';
import type { StepResult } from '../shared/check-result.ts';
import { runStepChecks } from '../checks/check-engine.ts';
import { loadSandbox } from '../sandbox/load-sandbox.ts';
import { sandboxesDir } from '../shared/paths.ts';
import { toolEnv } from '../sandbox/which.ts';
import type { SandboxProgress } from '../sandbox/sandbox.ts';
import { ensureWorkspace } from './lab-workspace.ts';
import { applySolution, runSetup, type ScriptResult } from './step-scripts.ts';

export type SelfTestEvent =
  | { type: 'progress'; progress: SandboxProgress }
  | { type: 'phase'; message: string }
  | { type: 'step'; phase: 'starter' | 'after-setup' | 'after-solution'; result: StepResult; ok: boolean };

export interface StepReport {
  step: string;
  starter: StepResult;
  setup?: ScriptResult | undefined;
  afterSetup?: StepResult | undefined;
  solution?: ScriptResult | undefined;
  afterSolution?: StepResult | undefined;
  ok: boolean;
  problems: string[];
}

export interface SelfTestReport {
  lab: string;
  passed: boolean;
  sandbox: Record<string, string>;
  steps: StepReport[];
  /** Problems outside any step (sandbox would not start, …). */
  problems: string[];
  durationMs: number;
}

function failing(result: StepResult): string {
  if (result.status === 'error') return `error: ${result.message ?? ''}`;
  return result.assertions
    .filter((a) => !a.ok)
    .map((a) => `${a.check ?? ''}: ${a.message} (expected ${a.expected}; found ${a.found})`)
    .join('\n      ');
}

export async function selfTestLab(
  lab: LoadedLab,
  onEvent: (e: SelfTestEvent) => void = () => undefined,
): Promise<SelfTestReport> {
  const started = performance.now();
  const home = await mkdtemp(path.join(os.tmpdir(), `dojo-selftest-${lab.id}-`));
  const report: SelfTestReport = { lab: lab.id, passed: false, sandbox: {}, steps: [], problems: [], durationMs: 0 };
  try {
    const workspace = await ensureWorkspace(lab, home);
    const sandbox = await loadSandbox(sandboxesDir(), lab.manifest.sandbox);
    onEvent({ type: 'phase', message: `starting sandbox ${sandbox.id}` });
    await using started_ = await sandbox.start({
      workspace,
      dojoHome: home,
      onProgress: (progress) => onEvent({ type: 'progress', progress }),
    });
    report.sandbox = started_.services;
    const env = { ...toolEnv(), ...started_.env };
    const check = (step: string) => runStepChecks(lab, step, { workspace, env });

    onEvent({ type: 'phase', message: 'checking every step on the starter (each must not pass)' });
    for (const step of lab.manifest.steps) {
      const result = await check(step.id);
      const ok = result.status !== 'pass';
      onEvent({ type: 'step', phase: 'starter', result, ok });
      report.steps.push({
        step: step.id,
        starter: result,
        ok,
        problems: ok ? [] : [`passes on the starter: its checks do not prove the learner did anything`],
      });
    }

    for (const [i, step] of lab.manifest.steps.entries()) {
      const rep = report.steps[i];
      if (!rep) continue;
      if (step.setup) {
        onEvent({ type: 'phase', message: `${step.id}: setup (${step.setup.label})` });
        rep.setup = (await runSetup(lab, step.id, workspace, env)) ?? undefined;
        if (!rep.setup?.ok) {
          rep.ok = false;
          rep.problems.push(
            `setup ${step.setup.script} failed (exit ${rep.setup?.exitCode}):\n${rep.setup?.output ?? ''}`,
          );
          break;
        }
        rep.afterSetup = await check(step.id);
        const ok = rep.afterSetup.status !== 'pass';
        onEvent({ type: 'step', phase: 'after-setup', result: rep.afterSetup, ok });
        if (!ok) {
          rep.ok = false;
          rep.problems.push('passes right after its setup: the break-it moment is not detected by the checks');
        }
      }
      onEvent({ type: 'phase', message: `${step.id}: applying solution/${step.id}.sh` });
      rep.solution = await applySolution(lab, step.id, workspace, env);
      if (!rep.solution.ok) {
        rep.ok = false;
        rep.problems.push(`solution/${step.id}.sh failed (exit ${rep.solution.exitCode}):\n${rep.solution.output}`);
        break;
      }
      rep.afterSolution = await check(step.id);
      const ok = rep.afterSolution.status === 'pass';
      onEvent({ type: 'step', phase: 'after-solution', result: rep.afterSolution, ok });
      if (!ok) {
        rep.ok = false;
        rep.problems.push(`does not pass after its solution:\n      ${failing(rep.afterSolution)}`);
        break; // later steps build on this one
      }
    }
    const ran = report.steps.every((s) => s.afterSolution !== undefined);
    if (!ran && report.steps.every((s) => s.problems.length === 0)) report.problems.push('not every step was reached');
    report.passed = ran && report.steps.every((s) => s.ok) && report.problems.length === 0;
  } catch (err) {
    report.problems.push((err as Error).message);
  } finally {
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

export function describeFailure(result: StepResult): string {
  return failing(result);
}
