/**
 * `dojo lab <list|check|test|setup|solve|new>`: the lab engine from the command line, with the same
 * JSON the runner's API returns. Every subcommand answers --help (-h) with its own usage.
 * DOJO_LABS_DIR and DOJO_SANDBOXES_DIR point it at other folders, as they do for the build and runner.
 */
import path from 'node:path';
import { runStepChecks } from '../checks/check-engine.ts';
import { loadLab, loadLabs, shownPath, type LoadedLab } from '../labs/load-labs.ts';
import { dojoHome, labsDir as repoLabsDir } from '../shared/paths.ts';
import { ValidationError } from '../shared/friendly-error.ts';
import type { StepResult } from '../shared/check-result.ts';
import { checkRequirement, runDoctor } from '../doctor/doctor.ts';
import { toolEnv } from '../sandbox/which.ts';
import { ensureWorkspace } from '../labs/lab-workspace.ts';
import { describeFailure, formatCheck, selfTestLab, type SelfTestReport } from '../labs/lab-self-test.ts';
import { applySolution, runSetup } from '../labs/step-scripts.ts';
import { labTemplates, scaffoldLab, type LabTemplate } from '../labs/scaffold-lab.ts';
import { parseOptions } from './parse-options.ts';
import { UsageError } from './usage-error.ts';

const HELP = `Usage: dojo lab <command> [options]     ("dojo lab <command> --help" for one command)

  list [--json]                              Labs and their steps; problems of labs that do not validate
  check <lab> <step> [--workspace DIR] [--json]
                                             Grade one step (run it in the lab terminal, which has the
                                             sandbox environment; the workspace defaults to DOJO_HOME's)
  setup <lab> <step> [--workspace DIR]       Stage a step's break-it moment (e.g. the held lock)
  solve <lab> <step> [--workspace DIR]       Apply the reference solution of a step
  test <lab>|--all [--json] [--no-wrong]     Self-test: steps fail on the starter and just before their
                                             solution, pass after it, and reject every wrong answer
  new <id> [--template git|terraform]        Scaffold labs/<id>/ that builds and self-tests`;

const WORKSPACE = `  --workspace DIR   The lab workspace to use (default: DOJO_HOME/workspaces/<lab>, created from the
                    lab's starter/ when missing)`;

const USAGE: Record<string, string> = {
  list: `Usage: dojo lab list [--json]

Lists the labs with their steps. Every lab is validated as the site build validates it; a lab that
does not validate is reported with each problem (file:line, step, field, what was found, the fix)
and the exit code is 1.

  --json   One JSON object: { labs: [...], errors: [...] }`,
  check: `Usage: dojo lab check <lab> <step> [--workspace DIR] [--json]

Grades one step of a lab against the workspace, as the Check button does, and prints each assertion
(expected, found, fix). Exit code 0 when the step passes, 1 otherwise. Run it in the lab terminal,
which has the sandbox environment ($TF, AWS_ENDPOINT_URL, KUBECONFIG…).

${WORKSPACE}
  --json            The step result as the runner's API returns it`,
  setup: `Usage: dojo lab setup <lab> <step> [--workspace DIR]

Stages the step's break-it moment: runs its setup script (setup/<name>.sh) with bash in the
workspace, with this shell's environment, and records the state just before and after it (the
baseline terraform.stateMeta compares with). A step without setup does nothing.

${WORKSPACE}`,
  solve: `Usage: dojo lab solve <lab> <step> [--workspace DIR]

Applies the reference solution: runs solution/<step>.sh with bash in the workspace, with this
shell's environment, and prints its output. Exit code is the script's.

${WORKSPACE}`,
  test: `Usage: dojo lab test <lab> [--json] [--no-wrong]
       dojo lab test --all [--json] [--no-wrong]

Self-tests a lab in a temporary DOJO_HOME with its own sandbox:
  1. every step is checked on the starter and must not pass (checks that pass there are named);
  2. in order, each step runs its setup, is checked just before its solution (must not pass),
     runs solution/<step>.sh and is checked again (must pass);
  3. every wrong answer wrong/<step>/<name>.sh runs on a fresh replay up to that step and the
     step must not pass.

  --all       Every lab this machine can run (see dojo doctor); with CI=true a lab whose tools CI
              provides must run
  --json      The reports as JSON
  --no-wrong  Skip the wrong answers (faster while writing a lab; CI runs them)`,
  new: `Usage: dojo lab new <id> [--template git|terraform]

Creates labs/<id>/ (index.mdx, starter/, solution/, wrong/) from a template that builds and passes
its self-test as it is, so you start from green and change one thing at a time:

  git         (default) sandbox "local": commit a runbook in a Git repository
  terraform   sandbox "terraform" ($TF is terraform or tofu): apply, then refactor a resource into
              a module with a moved block, with a wrong answer (re-create instead of move)

Then: npx dojo lab test <id>`,
};

function labsRoot(): string {
  return process.env['DOJO_LABS_DIR'] ? path.resolve(process.env['DOJO_LABS_DIR']) : repoLabsDir;
}

/** parseOptions plus --help/-h, which prints the subcommand's usage. */
function parse<T extends Parameters<typeof parseOptions>[1]>(
  sub: string,
  args: string[],
  options: T,
  positionals = true,
) {
  const parsed = parseOptions(args, { ...options, help: { type: 'boolean', short: 'h' } }, positionals);
  if ((parsed.values as { help?: boolean }).help) {
    console.log(USAGE[sub] ?? HELP);
    return null;
  }
  return parsed;
}

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
      if (sub === 'help' && rest[0] && USAGE[rest[0]]) {
        console.log(USAGE[rest[0]]);
        return 0;
      }
      console.log(HELP);
      return sub === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown lab command "${sub}"\n\n${HELP}`);
  }
}

async function findLab(id: string | undefined, sub: string): Promise<LoadedLab> {
  if (!id) throw new UsageError(`expected a lab id; run "npx dojo lab list" to see them\n\n${USAGE[sub] ?? HELP}`);
  try {
    return await loadLab(labsRoot(), id);
  } catch (err) {
    if (err instanceof ValidationError) throw new UsageError(err.message);
    throw err;
  }
}

async function list(args: string[]): Promise<number> {
  const parsed = parse('list', args, { json: { type: 'boolean' } }, false);
  if (!parsed) return 0;
  const { labs, errors } = await loadLabs(labsRoot());
  if (parsed.values.json) {
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
        wrongAnswers: l.wrong[s.id] ?? [],
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

function stepOf(lab: LoadedLab, stepId: string | undefined, sub: string): string {
  const ids = lab.manifest.steps.map((s) => s.id);
  if (!stepId || !ids.includes(stepId)) {
    throw new UsageError(
      `expected a step id of ${lab.id}${stepId ? `, found "${stepId}"` : ''}; its steps: ${ids.join(', ')}\n\n${USAGE[sub] ?? ''}`,
    );
  }
  return stepId;
}

async function check(args: string[]): Promise<number> {
  const parsed = parse('check', args, { workspace: { type: 'string' }, json: { type: 'boolean' } });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const lab = await findLab(positionals[0], 'check');
  const stepId = stepOf(lab, positionals[1], 'check');
  const workspace = values.workspace ? path.resolve(values.workspace) : await ensureWorkspace(lab, dojoHome());
  const result = await runStepChecks(lab, stepId, { workspace, env: toolEnv() });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printResult(result);
  return result.status === 'pass' ? 0 : 1;
}

async function script(kind: 'setup' | 'solve', args: string[]): Promise<number> {
  const parsed = parse(kind, args, { workspace: { type: 'string' } });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const lab = await findLab(positionals[0], kind);
  const stepId = stepOf(lab, positionals[1], kind);
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
  if (r.registry) console.log(`  ${r.registry}`);
  for (const s of r.steps) {
    if (s.notApplicable) {
      console.log(
        `  n/a  ${s.step.padEnd(18)} needs the hashicorp/aws provider; solution applied for its files (${s.solution?.ok ? 'ran' : `exit ${s.solution?.exitCode ?? '?'}, expected without the provider`}), grading skipped`,
      );
      continue;
    }
    const starter = s.starter.status === 'pass' ? 'PASSES (wrong)' : s.starter.status;
    const before = s.beforeSolution
      ? s.beforeSolution.status === 'pass'
        ? s.notes.some((n) => n.startsWith('passes before its own solution, as'))
          ? 'pass (a declared checkpoint)'
          : 'PASSES (wrong)'
        : s.beforeSolution.status
      : 'not reached';
    const after = s.afterSolution ? s.afterSolution.status : 'not reached';
    const caught = s.wrong.filter((w) => w.ok).length;
    const wrong = s.wrong.length ? `, wrong answers rejected: ${caught}/${s.wrong.length}` : '';
    console.log(
      `  ${s.ok ? 'ok  ' : 'FAIL'} ${s.step.padEnd(18)} starter: ${starter}, before solution: ${before}, after solution: ${after}${wrong}`,
    );
    for (const w of s.wrong) {
      console.log(
        `       ${w.ok ? 'rejected' : 'NOT REJECTED'} ${w.script}${w.caughtBy.length ? ` by ${w.caughtBy.map(formatCheck).join(', ')}` : ''}`,
      );
    }
    for (const c of s.passingOnStarter) console.log(`       note: ${formatCheck(c)} passes on the starter`);
    for (const n of s.notes) console.log(`       note: ${n}`);
    for (const p of s.problems) console.log(`       ${p}`);
    if (s.afterSolution && s.afterSolution.status !== 'pass') console.log(`       ${describeFailure(s.afterSolution)}`);
  }
  for (const p of r.problems) console.log(`  problem: ${p}`);
}

async function test(args: string[]): Promise<number> {
  const parsed = parse('test', args, {
    all: { type: 'boolean' },
    json: { type: 'boolean' },
    'no-wrong': { type: 'boolean' },
  });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  let labs: LoadedLab[];
  const skipped: { id: string; unmet: string[]; missing: string[] }[] = [];
  if (values.all) {
    const loaded = await loadLabs(labsRoot());
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
    labs = [await findLab(positionals[0], 'test')];
  }
  const reports: SelfTestReport[] = [];
  for (const lab of labs) {
    if (!values.json) console.log(`\n== self-test ${lab.id}`);
    const report = await selfTestLab(
      lab,
      (e) => {
        if (values.json) return;
        if (e.type === 'phase') console.log(`-- ${e.message}`);
        else if (e.type === 'progress')
          console.log(`   [${String(e.progress.percent).padStart(3)}%] ${e.progress.message}`);
        else
          console.log(
            `   ${e.ok ? 'ok  ' : 'FAIL'} ${e.result.step} ${e.phase}${e.script ? ` ${e.script}` : ''}: ${e.result.status} (${e.result.durationMs} ms)`,
          );
      },
      { wrongAnswers: !values['no-wrong'] },
    );
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
  const parsed = parse('new', args, { template: { type: 'string', short: 't' } });
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const id = positionals[0];
  if (!id) throw new UsageError(`expected the new lab id, e.g. dojo lab new drift-detection\n\n${USAGE['new']}`);
  const template = (values.template ?? 'git') as LabTemplate;
  if (!labTemplates.includes(template)) {
    throw new UsageError(`expected --template to be one of ${labTemplates.join(', ')}, found "${values.template}"`);
  }
  const dir = await scaffoldLab(labsRoot(), id, template);
  console.log(
    `Created ${shownPath(dir)}/ (index.mdx, starter/, solution/, wrong/) from the ${template} template.\nNext: npx dojo lab test ${id}`,
  );
  return 0;
}
