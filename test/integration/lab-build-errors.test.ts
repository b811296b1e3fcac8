/**
 * A real `astro build` over deliberately broken labs fails, and its output names, for every
 * problem of every lab at once, the file and YAML line, the step, the field, what was found and the
 * fix. The labs collection validates with the same loader as the CLI and the runner (one build
 * reports all the broken labs: the loader runs before Astro's own entry parsing).
 */
import { cp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'labs-broken');

/** Each broken lab and what its problem block must say (lines in order: where, problem, found, fix). */
const cases: [string, string[]][] = [
  [
    'invalid-regex',
    [
      'invalid-regex/index.mdx:30 step "held-lock" › steps[1].checks[1].attributes[0].matches (terraform.resource)',
      'problem: not a valid regular expression: /^10\\.40\\.(/: Unterminated group',
      "found:   '^10\\.40\\.('",
      'fix:     escape characters meant literally',
    ],
  ],
  [
    'missing-solution',
    [
      'missing-solution/index.mdx:18 step "held-lock" › steps[1].id',
      'problem: no solution script solution/held-lock.sh for this step',
      'found:   solution/ has write-runbook.sh',
      'fix:     add solution/held-lock.sh',
    ],
  ],
  [
    'missing-setup',
    [
      'missing-setup/index.mdx:22 step "held-lock" › steps[1].setup.script',
      'problem: the setup script setup/held-lock.sh does not exist',
      'found:   setup/ has no .sh files',
      'fix:     add setup/held-lock.sh',
    ],
  ],
  [
    'baseline-unknown-step',
    [
      'baseline-unknown-step/index.mdx:26 step "held-lock" › steps[1].checks[0].baseline.step (terraform.stateMeta)',
      'problem: no step "held-lok" in this lab',
      'found:   held-lok',
      'fix:     Did you mean "held-lock"? Steps with a setup: held-lock',
    ],
  ],
  [
    'baseline-no-setup',
    [
      'baseline-no-setup/index.mdx:26 step "held-lock" › steps[1].checks[0].baseline.step (terraform.stateMeta)',
      'problem: step "write-runbook" has no setup, and baselines are recorded only when a step\'s setup runs',
      'found:   write-runbook',
      'fix:     add a setup (script, label) to step "write-runbook", or name a step that has one (held-lock)',
    ],
  ],
  [
    'sandbox-typo',
    [
      'sandbox-typo/index.mdx:6 sandbox',
      'problem: no sandbox "loacl": no loacl.ts in sandboxes',
      'found:   sandbox: loacl',
      'fix:     did you mean "local"? Sandboxes: aws-emulator,',
    ],
  ],
  [
    'equal-typo',
    [
      'equal-typo/index.mdx:30 step "held-lock" › steps[1].checks[1].attributes[0].equal (terraform.resource)',
      'problem: unknown field "equal"',
      "found:   equal: '10.40.0.0/16'",
      'fix:     did you mean "equals"? Allowed fields here: path, equals, ordered, contains, matches, exists',
    ],
  ],
  [
    'unknown-key',
    [
      'unknown-key/index.mdx:16 step "write-runbook" › steps[0].hint',
      'problem: unknown field "hint"',
      "found:   hint: - 'git init, git add, git commit.'",
      'fix:     did you mean "hints"? Allowed fields here: id, title, outcome, checks, hints, setup',
    ],
  ],
  [
    'short-summary',
    [
      'short-summary/index.mdx:3 summary',
      'problem: "summary" is too short (at least 10 characters)',
      'found:   scratch',
      'fix:     write one or two sentences for the catalog card',
    ],
  ],
  [
    'step-section',
    [
      'step-section/index.mdx:41 body <Step id="held-lok">',
      'problem: the section names no step of the frontmatter',
      'found:   <Step id="held-lok">; steps: write-runbook, held-lock',
      'fix:     did you mean <Step id="held-lock">?',
    ],
  ],
  [
    'requires-not-provided',
    [
      'requires-not-provided/index.mdx:7 requires[1]',
      'problem: sandbox "local" does not provide terraform-or-tofu (no $TF in its environment, so scripts using "$TF" fail)',
      'found:   sandbox local provides git, conftest, kubeconform',
      'fix:     use a sandbox that provides terraform-or-tofu: aws-emulator,',
    ],
  ],
  [
    'bad-fields',
    [
      'bad-fields/index.mdx:4 level',
      'problem: expected "level" to be one of beginner, intermediate, advanced',
      'found:   expert',
      'fix:     use one of "beginner", "intermediate", "advanced"',
    ],
  ],
  [
    'dup-steps',
    [
      'dup-steps/index.mdx:14 step "apply" › steps[1].id',
      'problem: duplicate step id "apply": every step id must be unique within the lab',
      'found:   apply',
      'fix:     rename one of them',
    ],
  ],
  [
    'unknown-kind',
    [
      'unknown-kind/index.mdx:12 step "apply" › steps[0].checks[0].kind (terraform.resouce)',
      'problem: unknown check kind "terraform.resouce"',
      'found:   terraform.resouce',
      'fix:     did you mean "terraform.resource"? Known kinds:',
    ],
  ],
];

let output = '';
let exitCode: number | undefined;

beforeAll(async () => {
  await using dir = await tempDir('broken-labs');
  const labs = path.join(dir.path, 'labs');
  await mkdir(labs);
  for (const [name] of cases) await cp(path.join(fixtures, name), path.join(labs, name), { recursive: true });
  const r = await execa(
    process.execPath,
    [path.join(repoRoot, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', path.join(dir.path, 'dist')],
    {
      cwd: repoRoot,
      env: {
        DOJO_LABS_DIR: labs,
        DOJO_ASTRO_CACHE_DIR: path.join(os.tmpdir(), `dojo-broken-cache-${process.pid}`),
        ASTRO_TELEMETRY_DISABLED: '1',
        NO_COLOR: '1',
      },
      reject: false,
      all: true,
    },
  );
  output = String(r.all);
  exitCode = r.exitCode;
}, 180_000);

describe('site build with broken labs', () => {
  it('fails, saying how many labs do not validate', () => {
    expect(exitCode).not.toBe(0);
    expect(output).toContain(`${cases.length} lab(s) do not validate`);
  });

  it.each(cases)('%s: file:line, step and field, then problem, found and fix', (_name, lines) => {
    const start = output.indexOf(lines[0]!);
    expect(start, `"${lines[0]}" in the build output:\n${output}`).toBeGreaterThanOrEqual(0);
    const block = output.slice(start).split('\n').slice(0, lines.length);
    lines.forEach((line, i) => expect(block[i]?.trim().startsWith(line.trim()), `${block[i]} / ${line}`).toBe(true));
  });
});
