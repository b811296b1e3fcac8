/**
 * `dojo lab <list|check|test|setup|solve|new>`: the lab engine from the command line, with the same
 * JSON the runner's API returns.
 */
import path from 'node:path';
import { runStepChecks } from '../checks/check-engine.ts';
import { loadLab, loadLabs, type LoadedLab } from '../labs/load-labs.ts';
import { dojoHome, labsDir } from '../shared/paths.ts';
import { ValidationError } from '../shared/friendly-error.ts';
import type { StepResult } from '../shared/check-result.ts';
import { checkRequirement, runDoctor } from '../doctor/doctor.ts';
import { toolEnv } from '../sandbox/which.ts';
import { ensureWorkspace } from '../labs/lab-workspace.ts';
import { describeFailure, selfTestLab, type SelfTestReport } from '../labs/lab-self-test.ts';
import { applySolution, runSetup } from '../labs/step-scripts.ts';
import { scaffoldLab } from '../labs/scaffold-lab.ts';
import { parseOptions } from './parse-options.ts';
import { UsageError } from './usage-error.ts';

const HELP = `Usage: dojo lab <command>

  list [--json]                              Labs and their steps
  check <lab> <step> [--workspace DIR] [--json]
                                             Grade one step (run it in the lab terminal, which has the
                                             sandbox environment; the workspace defaults to DOJO_HOME's)
  setup <lab> <step> [--workspace DIR]       Stage a step's break-it moment (e.g. the held lock)
  solve <lab> <step> [--workspace DIR]       Apply the reference solution of a step
  test <lab>|--all [--json]                  Self-test: checks fail on the starter, pass after each solution
  new <id>                                   Scaffold labs/<id>/ that builds and self-tests`;

export async function labCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      return list(rest);
    case 'check':
      return check(rest);
    case 'setup':
    case 'solve':
      return script(sub, rest);
    case 'test':
      return test(rest);
    case 'new':
      return scaffold(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return sub === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown lab command "${sub}"\n\n${HELP}`);
  }
}

async function findLab(id: string | undefined): Promise<LoadedLab> {
  if (!id) throw new UsageError('expected a lab id; run "npx dojo lab list" to see them');
  try {
    return await loadLab(labsDir, id);
  } catch (err) {
    if (err instanceof ValidationError) throw new UsageError(err.message);
    throw err;
  }
}

async function list(args: string[]): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' } });
  const { labs, errors } = await loadLabs(labsDir);
  if (values.json) {
    const out = labs.map((l) => ({
      id: l.id,
      title: l.manifest.title,
      level: l.manifest.level,
      minutes: l.manifest.minutes,
      sandbox: l.manifest.sandbox,
      steps: l.manifest.steps.map((s) => ({
        id: s.id,
        title: s.title,
        checks: s.checks.map((c) => c.kind),
        setup: s.setup?.label ?? null,
      })),
    }));
    console.log(JSON.stringify({ labs: out, errors: errors.map((e) => e.message) }, null, 2));
  } else {
    for (const lab of labs) {
      console.log(`${lab.id}  ${lab.manifest.title} (${lab.manifest.level}, ${lab.manifest.minutes} min)`);
      for (const [i, s] of lab.manifest.steps.entries()) console.log(`  ${i + 1}. ${s.id.padEnd(18)} ${s.title}`);
    }
    for (const e of errors) console.error(`\n${e.message}`);
  }
  return errors.length ? 1 : 0;
}

function printResult(r: StepResult): void {
  const mark = { pass: 'PASS', fail: 'FAIL', error: 'ERROR' }[r.status];
  console.log(`${mark} ${r.lab}/${r.step} (${r.durationMs} ms)`);
  for (const a of r.assertions) {
    console.log(`  ${a.ok ? 'ok  ' : 'FAIL'} ${a.message}`);
    if (!a.ok) {
      console.log(`       expected: ${a.expected}\n       found:    ${a.found}`);
      if (a.hint) console.log(`       hint:     ${a.hint}`);
    }
  }
  if (r.message) console.log(`  ${r.message.split('\n').join('\n  ')}`);
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { workspace: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  const lab = await findLab(positionals[0]);
  const stepId = positionals[1];
  if (!stepId)
    throw new UsageError(`expected a step id; steps of ${lab.id}: ${lab.manifest.steps.map((s) => s.id).join(', ')}`);
  const workspace = values.workspace ? path.resolve(values.workspace) : await ensureWorkspace(lab, dojoHome());
  const result = await runStepChecks(lab, stepId, { workspace, env: toolEnv() });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printResult(result);
  return result.status === 'pass' ? 0 : 1;
}

async function script(kind: 'setup' | 'solve', args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, { workspace: { type: 'string' } }, true);
  const lab = await findLab(positionals[0]);
  const stepId = positionals[1];
  if (!stepId || !lab.manifest.steps.some((s) => s.id === stepId)) {
    throw new UsageError(`expected a step id of ${lab.id}: ${lab.manifest.steps.map((s) => s.id).join(', ')}`);
  }
  const workspace = values.workspace ? path.resolve(values.workspace) : await ensureWorkspace(lab, dojoHome());
  const r =
    kind === 'setup'
      ? await runSetup(lab, stepId, workspace, toolEnv())
      : await applySolution(lab, stepId, workspace, toolEnv());
  if (r === null) {
    console.log(`${lab.id}/${stepId} has no setup.`);
    return 0;
  }
  process.stdout.write(r.output.endsWith('\n') || !r.output ? r.output : `${r.output}\n`);
  return r.ok ? 0 : 1;
}

function printReport(r: SelfTestReport): void {
  console.log(`\n${r.passed ? 'PASSED' : 'FAILED'} ${r.lab} in ${(r.durationMs / 1000).toFixed(1)} s`);
  for (const [name, value] of Object.entries(r.sandbox)) console.log(`  ${name}: ${value}`);
  for (const s of r.steps) {
    const starter = s.starter.status === 'pass' ? 'PASSES (wrong)' : `${s.starter.status} (as expected)`;
    const after = s.afterSolution ? s.afterSolution.status : 'not reached';
    const setup = s.afterSetup ? `, after setup: ${s.afterSetup.status}` : '';
    console.log(
      `  ${s.ok ? 'ok  ' : 'FAIL'} ${s.step.padEnd(18)} starter: ${starter}${setup}, after solution: ${after}`,
    );
    for (const p of s.problems) console.log(`       ${p}`);
    if (s.afterSolution && s.afterSolution.status !== 'pass') console.log(`       ${describeFailure(s.afterSolution)}`);
  }
  for (const p of r.problems) console.log(`  problem: ${p}`);
}

async function test(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, { all: { type: 'boolean' }, json: { type: 'boolean' } }, true);
  let labs: LoadedLab[];
  const skipped: { id: string; unmet: string[]; missing: string[] }[] = [];
  if (values.all) {
    const loaded = await loadLabs(labsDir);
    for (const e of loaded.errors) console.error(e.message);
    const doctor = await runDoctor(loaded.labs);
    const tools = new Map(doctor.tools.map((t) => [t.name, t]));
    labs = [];
    for (const lab of loaded.labs) {
      const unmet = lab.manifest.requires.filter((r) => checkRequirement(r, tools) !== null);
      if (unmet.length === 0) labs.push(lab);
      else skipped.push({ id: lab.id, unmet, missing: unmet.map((r) => checkRequirement(r, tools) ?? r) });
    }
    if (loaded.errors.length) return 1;
  } else {
    labs = [await findLab(positionals[0])];
  }
  const reports: SelfTestReport[] = [];
  for (const lab of labs) {
    if (!values.json) console.log(`\n== self-test ${lab.id}`);
    const report = await selfTestLab(lab, (e) => {
      if (values.json) return;
      if (e.type === 'phase') console.log(`-- ${e.message}`);
      else if (e.type === 'progress')
        console.log(`   [${String(e.progress.percent).padStart(3)}%] ${e.progress.message}`);
      else
        console.log(
          `   ${e.ok ? 'ok  ' : 'FAIL'} ${e.result.step} ${e.phase}: ${e.result.status} (${e.result.durationMs} ms)`,
        );
    });
    reports.push(report);
    if (!values.json) printReport(report);
  }
  if (values.json) console.log(JSON.stringify({ reports, notRunnable: skipped }, null, 2));
  else {
    for (const s of skipped) console.log(`\nnot runnable here: ${s.id}\n  - ${s.missing.join('\n  - ')}`);
  }
  // With CI=true, a lab must run unless it needs what CI machines cannot have (a container engine
  // and what runs on it): a missing tofu or moto_server is a CI failure, not a skip.
  const ciCannotProvide = new Set(['docker', 'kind', 'aws-provider']);
  const shouldHaveRun = skipped.filter((s) => s.unmet.some((r) => !ciCannotProvide.has(r)));
  if (shouldHaveRun.length && process.env['CI'] === 'true') {
    console.error(
      `CI=true: ${shouldHaveRun.map((s) => s.id).join(', ')} could not run although CI provides their tools.`,
    );
    return 1;
  }
  return reports.every((r) => r.passed) ? 0 : 1;
}

async function scaffold(args: string[]): Promise<number> {
  const { positionals } = parseOptions(args, {}, true);
  const id = positionals[0];
  if (!id) throw new UsageError('expected the new lab id, e.g. dojo lab new drift-detection');
  const dir = await scaffoldLab(labsDir, id);
  console.log(
    `Created ${path.relative(process.cwd(), dir)}/ (index.mdx, starter/, solution/).\nNext: npx dojo lab test ${id}`,
  );
  return 0;
}
