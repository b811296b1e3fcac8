/**
 * Runs a lab's step scripts in the workspace with the sandbox environment:
 * - setup/<x>.sh stages a step's "break-it" moment; the state just before and just after is
 *   recorded as the step's baseline (see src/checks/evidence/baseline.ts);
 * - solution/<step>.sh applies the reference answer (the "apply solution" button and self-test);
 * - wrong/<step>/<name>.sh applies a plausible wrong answer, which the self-test expects the
 *   step's checks to reject.
 * Every script runs with bash, in the workspace (its working directory), with the sandbox
 * environment plus DOJO_WORKSPACE, DOJO_HOME and the `dojo` command (scriptEnvironment), stdin
 * closed, for at most 5 minutes. Output is captured whole: it is what a learner or author needs
 * when a script fails.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { LoadedLab } from './load-labs.ts';
import { Observations } from '../checks/observations.ts';
import { rawStateOf } from '../checks/evidence/terraform-evidence.ts';
import { snapshot, writeBaseline } from '../checks/evidence/baseline.ts';
import { installDojoCommand } from '../runner/terminal/dojo-command.ts';

export interface ScriptResult {
  ok: boolean;
  exitCode: number;
  output: string;
  durationMs: number;
}

export class StepScriptError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = 'StepScriptError';
    this.output = output;
  }
}

/**
 * What a lab terminal has besides the sandbox's variables, for scripts too: the workspace's
 * DOJO_HOME and the `dojo` command first on PATH (src/runner/terminal/dojo-command.ts). Without
 * them a script that runs `dojo cluster create` (Terraform's provisioners in the multi-env lab)
 * would find no `dojo`, or, in a self-test's temporary DOJO_HOME, make its clusters in the
 * learner's own. Workspaces live at DOJO_HOME/workspaces/<lab>; any other folder is left alone.
 */
export function scriptEnvironment(env: NodeJS.ProcessEnv, workspace: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, DOJO_WORKSPACE: workspace };
  if (path.basename(path.dirname(workspace)) !== 'workspaces') return out;
  const home = path.dirname(path.dirname(workspace));
  out['DOJO_HOME'] = home;
  out['PATH'] = [installDojoCommand(home), env['PATH']].filter(Boolean).join(path.delimiter);
  return out;
}

async function runScript(
  file: string,
  workspace: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<ScriptResult> {
  const started = performance.now();
  const r = await execa('bash', [file], {
    cwd: workspace,
    env: scriptEnvironment(env, workspace),
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 300_000,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  return {
    ok: r.exitCode === 0,
    exitCode: r.exitCode ?? -1,
    output: String(r.all ?? ''),
    durationMs: Math.round(performance.now() - started),
  };
}

export function solutionFile(lab: LoadedLab, stepId: string): string {
  return path.join(lab.dir, 'solution', `${stepId}.sh`);
}

export async function readSolution(lab: LoadedLab, stepId: string): Promise<string | null> {
  return readFile(solutionFile(lab, stepId), 'utf8').catch(() => null);
}

export async function applySolution(
  lab: LoadedLab,
  stepId: string,
  workspace: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<ScriptResult> {
  const file = solutionFile(lab, stepId);
  if (!existsSync(file))
    throw new StepScriptError(`expected a solution script at ${path.relative(process.cwd(), file)}; found none`, '');
  return runScript(file, workspace, env, signal);
}

/** Runs one wrong answer, `wrong/<step>/<name>.sh` relative to the lab folder. */
export async function runWrongAnswer(
  lab: LoadedLab,
  script: string,
  workspace: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<ScriptResult> {
  const file = path.join(lab.dir, script);
  if (!existsSync(file)) throw new StepScriptError(`expected the wrong-answer script ${script}; found none`, '');
  return runScript(file, workspace, env, signal);
}

/** Runs the step's setup and records the baseline around it; a step without setup is a no-op. */
export async function runSetup(
  lab: LoadedLab,
  stepId: string,
  workspace: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<ScriptResult | null> {
  const step = lab.manifest.steps.find((s) => s.id === stepId);
  if (!step?.setup) return null;
  const file = path.join(lab.dir, step.setup.script);
  if (!existsSync(file))
    throw new StepScriptError(`expected the setup script ${step.setup.script} in lab ${lab.id}; found none`, '');
  const ctx = (o: Observations) => ({
    workspace,
    env,
    observations: o,
    signal: signal ?? new AbortController().signal,
  });
  const before = snapshot(await rawStateOf(ctx(new Observations())).catch(() => null));
  const result = await runScript(file, workspace, env, signal);
  const after = snapshot(await rawStateOf(ctx(new Observations())).catch(() => null));
  if (result.ok) await writeBaseline(workspace, { step: stepId, recordedAt: new Date().toISOString(), before, after });
  return result;
}
