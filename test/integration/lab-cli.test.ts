/**
 * The `dojo lab` command as an author uses it, through the real CLI: --help on every subcommand,
 * broken labs refused with their problems (never an "ok"), and both scaffold templates going from
 * `dojo lab new` to a site that builds (`npm run build` with them beside the real labs) and a
 * self-test that passes, wrong answers rejected. Real git, real tofu, real astro build.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { labsDir, repoRoot } from '../../src/shared/paths.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dojo = path.join(repoRoot, 'bin', 'dojo.mjs');

function run(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [dojo, ...args], {
    cwd: repoRoot,
    env: { NO_COLOR: '1', ...env },
    reject: false,
    all: true,
    timeout: 300_000,
  });
}

describe('dojo lab --help', () => {
  it.each(['list', 'check', 'setup', 'solve', 'test', 'new'])('dojo lab %s --help prints its usage', async (sub) => {
    for (const flag of sub === 'new' ? ['--help', '-h'] : ['--help']) {
      const r = await run(['lab', sub, flag]);
      expect(r.exitCode, String(r.all)).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: dojo lab ${sub}\\b`));
      expect(r.stderr).toBe('');
    }
  });

  it('dojo lab help <command> prints the same usage; dojo lab --help the overview', async () => {
    const a = await run(['lab', 'help', 'new']);
    expect(a.stdout).toMatch(/^Usage: dojo lab new <id> \[--template git\|terraform\]/);
    const b = await run(['lab', '--help']);
    expect(b.exitCode).toBe(0);
    expect(b.stdout).toMatch(/new <id> \[--template git\|terraform\]/);
  });
});

describe('dojo lab on broken labs', () => {
  it('list reports every problem with file:line, field, found and fix, and exits 1', async () => {
    await using dir = await tempDir('cli-broken');
    for (const name of ['sandbox-typo', 'missing-solution']) {
      await cp(path.join(repoRoot, 'test', 'fixtures', 'labs-broken', name), path.join(dir.path, name), {
        recursive: true,
      });
    }
    const r = await run(['lab', 'list'], { DOJO_LABS_DIR: dir.path });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/sandbox-typo\/index\.mdx:6 sandbox\n {4}problem: no sandbox "loacl"/);
    expect(r.stderr).toMatch(/fix: {5}did you mean "local"\?/);
    expect(r.stderr).toMatch(
      /missing-solution\/index\.mdx:18 step "held-lock" › steps\[1\]\.id\n {4}problem: no solution script solution\/held-lock\.sh/,
    );
  });

  it('test refuses a lab whose solution is missing before running anything, never printing ok', async () => {
    await using dir = await tempDir('cli-missing');
    await cp(
      path.join(repoRoot, 'test', 'fixtures', 'labs-broken', 'missing-solution'),
      path.join(dir.path, 'missing-solution'),
      { recursive: true },
    );
    const r = await run(['lab', 'test', 'missing-solution'], { DOJO_LABS_DIR: dir.path });
    expect(r.exitCode).toBe(2);
    expect(String(r.all)).toMatch(/problem: no solution script solution\/held-lock\.sh for this step/);
    expect(String(r.all)).not.toMatch(/\bok\b/);
  });
});

describe('dojo lab new', () => {
  it('scaffolds git and terraform labs that build beside the real labs and pass their self-test', async (ctx) => {
    requireTool(ctx, 'git');
    requireTool(ctx, 'tofu');
    await using dir = await tempDir('scaffold');
    const labs = path.join(dir.path, 'labs');
    await mkdir(labs);
    await cp(labsDir, labs, { recursive: true });
    const env = { DOJO_LABS_DIR: labs };

    for (const [id, template] of [
      ['oncall-runbook', 'git'],
      ['queue-refactor', 'terraform'],
    ]) {
      const r = await run(['lab', 'new', id!, '--template', template!], env);
      expect(r.exitCode, String(r.all)).toBe(0);
      expect(r.stdout).toContain(`from the ${template} template`);
    }
    const again = await run(['lab', 'new', 'queue-refactor'], env);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    // npm run build with the new labs present (into a temporary dist, never the repository's).
    const dist = path.join(dir.path, 'dist');
    const build = await execa('npm', ['run', 'build', '--', '--outDir', dist], {
      cwd: repoRoot,
      env: {
        ...env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`,
        DOJO_ASTRO_CACHE_DIR: path.join(os.tmpdir(), `dojo-scaffold-cache-${process.pid}`),
        ASTRO_TELEMETRY_DISABLED: '1',
        NO_COLOR: '1',
      },
      reject: false,
      all: true,
      timeout: 300_000,
    });
    expect(build.exitCode, String(build.all)).toBe(0);
    const page = await readFile(path.join(dist, 'labs', 'queue-refactor', 'index.html'), 'utf8');
    // Hints and outcomes are inline Markdown: code renders as <code>, not as literal backticks.
    expect(page).toContain('Run <code>$TF init</code>, then <code>$TF apply</code>.');
    expect(page).toContain('<code>module.queue.terraform_data.this</code>');
    expect(page).not.toMatch(/`\$TF init`/);
    expect(await readFile(path.join(dist, 'labs', 'oncall-runbook', 'index.html'), 'utf8')).toContain(
      '<em>runbook</em>',
    );

    for (const id of ['oncall-runbook', 'queue-refactor']) {
      const t = await run(['lab', 'test', id], env);
      expect(t.exitCode, String(t.all)).toBe(0);
      expect(t.stdout).toMatch(new RegExp(`PASSED ${id}`));
      expect(t.stdout).toMatch(/wrong answers rejected: 1\/1/);
    }
    const json = await run(['lab', 'test', 'queue-refactor', '--json'], env);
    const report = (
      JSON.parse(json.stdout) as {
        reports: {
          steps: { step: string; wrong: { script: string; ok: boolean; caughtBy: { kind: string }[] }[] }[];
        }[];
      }
    ).reports[0]!;
    expect(report.steps[1]?.wrong).toEqual([
      expect.objectContaining({
        script: 'wrong/move-into-module/recreate-without-moved.sh',
        ok: true,
        caughtBy: [expect.objectContaining({ kind: 'terraform.stateMeta' })],
      }),
    ]);
  });

  it('the authoring guide shows the loader message for the equal: typo exactly as the loader prints it', async () => {
    await using dir = await tempDir('guide-example');
    const { scaffoldLab } = await import('../../src/labs/scaffold-lab.ts');
    const { loadLab } = await import('../../src/labs/load-labs.ts');
    const labDir = await scaffoldLab(path.join(dir.path, 'labs'), 'queue-refactor', 'terraform');
    const file = path.join(labDir, 'index.mdx');
    const text = await readFile(file, 'utf8');
    const at = text.indexOf('{ path: input.name, equals: orders }', text.indexOf('id: move-into-module'));
    await writeFile(file, `${text.slice(0, at)}{ path: input.name, equal: orders }${text.slice(at + 36)}`);
    const cwd = process.cwd();
    process.chdir(dir.path);
    const message = await loadLab('labs', 'queue-refactor').then(
      () => '',
      (e: Error) => e.message,
    );
    process.chdir(cwd);
    const guide = await readFile(path.join(repoRoot, 'src', 'pages', 'authoring', 'index.astro'), 'utf8');
    const lines = message
      .split('\n')
      .slice(1)
      .join('\n')
      .replace(/^ {2}- /, '');
    expect(lines).toMatch(/^labs\/queue-refactor\/index\.mdx:36 /);
    expect(guide).toContain(lines);
  });
});
