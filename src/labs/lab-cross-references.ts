/**
 * What the schema cannot see, checked when a lab loads (site build, CLI, runner): every step has
 * solution/<id>.sh, every setup script exists, wrong/<step>/ folders name steps, the sandbox
 * exists and provides what `requires` lists, and the MDX body has exactly one <Step id> section
 * per step. Each problem says where, what was found and the fix, with a "did you mean" when a
 * near name exists (a renamed step, a misspelt file).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LabManifest } from './lab-manifest.ts';
import type { FrontmatterSource, LabProblem } from './lab-problems.ts';
import { closestName } from '../shared/closest-name.ts';
import {
  describeSandbox,
  listSandboxes,
  providesRequirement,
  type SandboxDescription,
} from '../sandbox/sandbox-provides.ts';

export interface CrossReferenceInput {
  dir: string;
  manifest: LabManifest;
  source: FrontmatterSource;
  body: string;
  /** Lines before the body in the file (the frontmatter and its fences). */
  bodyLineOffset: number;
  /** Folders holding sandboxes/<id>.ts, searched in order. */
  sandboxesDirs: string[];
}

export interface CrossReferenceResult {
  problems: LabProblem[];
  /** Wrong-answer scripts per step id, relative to the lab folder (wrong/<step>/<name>.sh). */
  wrong: Record<string, string[]>;
  sandbox: SandboxDescription | null;
}

async function files(dir: string, suffix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => e.name)
    .sort();
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

const listed = (names: string[], none: string) => (names.length ? names.join(', ') : none);

/** `<Step id="x">` sections of the body with their 1-based line in the body. */
export function stepSections(body: string): { id: string; line: number }[] {
  const out: { id: string; line: number }[] = [];
  // Code (fenced or inline) may show <Step id="…"> as an example: blank it, keeping line breaks.
  body = body
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/`[^`\n]*`/g, (m) => ' '.repeat(m.length));
  const re = /<Step\s+id=(?:"([^"]*)"|'([^']*)'|\{["']([^"']*)["']\})/g;
  for (const m of body.matchAll(re)) {
    const line = body.slice(0, m.index).split('\n').length;
    out.push({ id: m[1] ?? m[2] ?? m[3] ?? '', line });
  }
  return out;
}

export async function crossReferenceProblems(input: CrossReferenceInput): Promise<CrossReferenceResult> {
  const { dir, manifest, source } = input;
  const problems: LabProblem[] = [];
  const ids = manifest.steps.map((s) => s.id);

  // Solutions: one per step.
  const solutions = await files(path.join(dir, 'solution'), '.sh');
  for (const [i, step] of manifest.steps.entries()) {
    if (solutions.includes(`${step.id}.sh`)) continue;
    const near = closestName(
      `${step.id}.sh`,
      solutions.filter((f) => !ids.includes(f.slice(0, -3))),
    );
    problems.push({
      line: source.lineOf(['steps', i, 'id']),
      step: step.id,
      field: `steps[${i}].id`,
      problem: `no solution script solution/${step.id}.sh for this step`,
      found: `solution/ has ${listed(solutions, 'no .sh files')}`,
      fix: near
        ? `rename solution/${near} to solution/${step.id}.sh (did you mean it?)`
        : `add solution/${step.id}.sh: a bash script that applies the reference answer, starting from the end state of the previous steps`,
    });
  }

  // Setup scripts named by steps exist.
  const setups = (await files(path.join(dir, 'setup'), '.sh')).map((f) => `setup/${f}`);
  for (const [i, step] of manifest.steps.entries()) {
    if (!step.setup || (await isFile(path.join(dir, step.setup.script)))) continue;
    const near = closestName(step.setup.script, setups);
    problems.push({
      line: source.lineOf(['steps', i, 'setup', 'script']),
      step: step.id,
      field: `steps[${i}].setup.script`,
      problem: `the setup script ${step.setup.script} does not exist`,
      found: `setup/ has ${listed(
        setups.map((s) => s.slice('setup/'.length)),
        'no .sh files',
      )}`,
      fix: near
        ? `did you mean "${near}"?`
        : `add ${step.setup.script}, or point "script" at an existing setup/ script`,
    });
  }

  // Wrong answers: wrong/<step>/*.sh, each folder naming a step.
  const wrong: Record<string, string[]> = {};
  const wrongDirs = await readdir(path.join(dir, 'wrong'), { withFileTypes: true }).catch(() => []);
  for (const entry of wrongDirs.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) {
      problems.push({
        field: `wrong/${entry.name}`,
        problem: 'wrong/ holds one folder per step, not files',
        found: `a file wrong/${entry.name}`,
        fix: `move it to wrong/<step id>/${entry.name}`,
      });
      continue;
    }
    if (!ids.includes(entry.name)) {
      const near = closestName(entry.name, ids);
      problems.push({
        field: `wrong/${entry.name}/`,
        problem: `wrong/${entry.name}/ names no step of this lab`,
        found: `steps: ${ids.join(', ')}`,
        fix: near
          ? `did you mean wrong/${near}/?`
          : 'rename the folder to the id of the step its scripts answer wrongly',
      });
      continue;
    }
    const scripts = await files(path.join(dir, 'wrong', entry.name), '.sh');
    if (scripts.length === 0) {
      problems.push({
        step: entry.name,
        field: `wrong/${entry.name}/`,
        problem: 'the folder has no .sh scripts',
        found: `wrong/${entry.name}/ is empty of .sh files`,
        fix: 'add a script per plausible wrong answer (e.g. wrong/<step>/import-instead-of-moved.sh), or remove the folder',
      });
      continue;
    }
    wrong[entry.name] = scripts.map((s) => `wrong/${entry.name}/${s}`);
  }

  // The sandbox exists and provides what `requires` lists.
  let sandbox: SandboxDescription | null = null;
  const byDir = await Promise.all(input.sandboxesDirs.map(async (d) => ({ dir: d, ids: await listSandboxes(d) })));
  const known = [...new Set(byDir.flatMap((d) => d.ids))].sort();
  const home = byDir.find((d) => d.ids.includes(manifest.sandbox))?.dir;
  const shown = (d: string) => path.relative(process.cwd(), d) || d;
  const describe = (id: string) => {
    const d = byDir.find((x) => x.ids.includes(id))?.dir;
    return d ? describeSandbox(d, id) : Promise.resolve(null);
  };
  if (!home) {
    const near = closestName(manifest.sandbox, known);
    problems.push({
      line: source.lineOf(['sandbox']),
      field: 'sandbox',
      problem: `no sandbox "${manifest.sandbox}": no ${manifest.sandbox}.ts in ${input.sandboxesDirs.map(shown).join(' or ') || 'sandboxes/'}`,
      found: source.textOf([], 'sandbox') ?? `sandbox: ${manifest.sandbox}`,
      fix: `${near ? `did you mean "${near}"? ` : ''}Sandboxes: ${listed(known, 'none')}`,
    });
  } else {
    sandbox = await describeSandbox(home, manifest.sandbox);
    if (sandbox?.problem) {
      problems.push({
        line: source.lineOf(['sandbox']),
        field: 'sandbox',
        problem: `sandbox "${manifest.sandbox}" declares an invalid "provides": ${sandbox.problem}`,
        found: shown(sandbox.file),
        fix: 'export const provides = { env: {...}, tools: [...], services: {...} } as src/sandbox/sandbox-provides.ts describes',
      });
    }
    // A module that declares nothing yet (no `provides` export) is not held to `requires`; one that
    // declares is held to exactly what it declares.
    const declared = sandbox?.provides ?? null;
    const unmet = declared ? manifest.requires.filter((r) => !providesRequirement(declared, r)) : [];
    if (unmet.length) {
      const others = await Promise.all(known.filter((k) => k !== manifest.sandbox).map(describe));
      const able = others
        .filter((o): o is SandboxDescription => !!o && unmet.every((r) => providesRequirement(o.provides, r)))
        .map((o) => o.id);
      const has = declared ? [...declared.tools, ...Object.keys(declared.services)] : [];
      for (const r of unmet) {
        const at = manifest.requires.indexOf(r);
        problems.push({
          line: source.lineOf(['requires', at]),
          field: `requires[${at}]`,
          problem: `sandbox "${manifest.sandbox}" does not provide ${r}${r === 'terraform-or-tofu' ? ' (no $TF in its environment, so scripts using "$TF" fail)' : ''}`,
          found: `sandbox ${manifest.sandbox} provides ${listed(has, 'nothing')}`,
          fix: able.length
            ? `use a sandbox that provides ${unmet.join(' and ')}: ${able.join(', ')}; or remove ${r} from requires`
            : `remove ${r} from requires, or add it to the "provides" of ${shown(home)}/${manifest.sandbox}.ts once the sandbox really provides it`,
        });
      }
    }
  }

  // MDX sections: one <Step id> per step, and none for a step that does not exist.
  const sections = stepSections(input.body);
  const seen = new Map<string, number>();
  for (const s of sections) {
    const line = input.bodyLineOffset + s.line;
    if (!ids.includes(s.id)) {
      const near = closestName(s.id, ids);
      problems.push({
        line,
        field: `body <Step id="${s.id}">`,
        problem: `the section names no step of the frontmatter`,
        found: `<Step id="${s.id}">; steps: ${ids.join(', ')}`,
        fix: near ? `did you mean <Step id="${near}">?` : 'use the id of a step in the frontmatter, or add that step',
      });
    } else if (seen.has(s.id)) {
      problems.push({
        line,
        step: s.id,
        field: `body <Step id="${s.id}">`,
        problem: `a second section for step "${s.id}"`,
        found: `the first one is on line ${input.bodyLineOffset + (seen.get(s.id) ?? 0)}`,
        fix: 'merge the two sections into one',
      });
    }
    if (!seen.has(s.id)) seen.set(s.id, s.line);
  }
  for (const [i, step] of manifest.steps.entries()) {
    if (seen.has(step.id)) continue;
    const orphan = sections.find((s) => !ids.includes(s.id) && closestName(s.id, [step.id]) === step.id);
    if (orphan) continue; // already reported with a "did you mean" on the misspelt section
    problems.push({
      line: source.lineOf(['steps', i, 'id']),
      step: step.id,
      field: `steps[${i}].id`,
      problem: `the body has no <Step id="${step.id}"> section with this step's instructions`,
      found: sections.length ? `sections: ${sections.map((s) => s.id).join(', ')}` : 'no <Step> sections',
      fix: `add <Step id="${step.id}">…instructions…</Step> to the body (blank lines around the content)`,
    });
  }
  return { problems, wrong, sandbox };
}
