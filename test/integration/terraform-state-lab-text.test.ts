/**
 * The terraform-state lab's text held against the real thing (issue 12, item 9), with every
 * terraform/tofu this machine has, on moto_server: the number of addresses `state list` prints,
 * what `init -migrate-state` does to the lineage, the Lock Info the staged incident shows (Who and
 * Info as the text prints them), staging without job-control noise, the list-object-versions and
 * get-object commands exactly as the text gives them, and what a check says before `init`.
 * Commands are cut from the MDX itself, so the text cannot drift from what runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStepChecks } from '../../src/checks/check-engine.ts';
import { ensureWorkspace } from '../../src/labs/lab-workspace.ts';
import { loadLab } from '../../src/labs/load-labs.ts';
import { applySolution, runSetup } from '../../src/labs/step-scripts.ts';
import { loadSandbox } from '../../src/sandbox/load-sandbox.ts';
import type { StartedSandbox } from '../../src/sandbox/sandbox.ts';
import { detectTerraformClis, type TerraformCli } from '../../src/sandbox/terraform-cli.ts';
import { toolEnv } from '../../src/sandbox/which.ts';
import { labsDir, sandboxesDir } from '../../src/shared/paths.ts';
import { missingTool, requireTool } from '../helpers/require-tool.ts';

const mdxPath = path.join(labsDir, 'terraform-state', 'index.mdx');
let mdx = '';
let clis: TerraformCli[] = [];
beforeAll(async () => {
  mdx = await readFile(mdxPath, 'utf8');
  clis = await detectTerraformClis();
});

/** The shell commands of the MDX's code blocks that contain `needle`, continuation lines joined. */
function commandFromText(needle: string): string {
  const blocks = [...mdx.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').replace(/^ {3}/gm, ''));
  const block = blocks.find((b) => b.includes(needle));
  if (!block) throw new Error(`expected a sh code block containing "${needle}" in ${mdxPath}, found none`);
  return block.replace(/\\\n\s*/g, '').trim();
}

const NUMBERS: Record<string, number> = { two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7 };

describe.each(['tofu', 'terraform'] as const)('the terraform-state text with %s', (flavor) => {
  let home: string | undefined;
  let started: StartedSandbox | undefined;
  let env: NodeJS.ProcessEnv = {};
  let workspace = '';
  const sh = async (command: string) => {
    const r = await execa('bash', ['-c', command], { cwd: workspace, env, extendEnv: false, reject: false, all: true });
    return { code: r.exitCode ?? -1, out: String(r.all ?? '') };
  };
  afterAll(async () => {
    await started?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('walks the lab and finds what the text says at each point', async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'aws');
    const cli = clis.find((c) => c.flavor === flavor);
    if (!cli && flavor === 'terraform')
      return ctx.skip('terraform not installed (optional; tofu covers the same text)');
    if (!cli) return missingTool(ctx, flavor);
    const lab = await loadLab(labsDir, 'terraform-state');
    home = await mkdtemp(path.join(os.tmpdir(), `dojo-lab-text-${flavor}-`));
    workspace = await ensureWorkspace(lab, home);
    started = await (await loadSandbox(sandboxesDir(), lab.manifest.sandbox)).start({ workspace, dojoHome: home });
    env = { ...toolEnv(), ...started.env, TF: cli.binary, DOJO_TERRAFORM: cli.flavor };

    // Before init: the starter declares everything; the check must not advise declaring it.
    const before = await runStepChecks(lab, 'local-state', { workspace, env });
    const failed = before.assertions.filter((a) => !a.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const a of failed) {
      expect(a.hint).toContain('Run init');
      expect(a.hint).not.toMatch(/^Declare/);
    }

    // Step 1: "`$TF state list` prints N addresses", in the body and in the hints.
    expect((await applySolution(lab, 'local-state', workspace, env)).ok).toBe(true);
    const addresses = (await sh('"$TF" state list')).out.trim().split('\n');
    const claims = [...mdx.matchAll(/\b(two|three|four|five|six|seven) addresses/g)].map((m) => NUMBERS[m[1] ?? '']);
    expect(claims.length).toBeGreaterThanOrEqual(2);
    for (const n of claims) expect(n).toBe(addresses.length);
    const lineageOf = (json: string) => (JSON.parse(json) as { lineage: string }).lineage;
    const localLineage = lineageOf(await readFile(path.join(workspace, 'terraform.tfstate'), 'utf8'));

    // Step 2: the text says the migration starts a new lineage in the bucket (both CLIs).
    expect(mdx).toContain('starts a new lineage there, with Terraform\n1.11 and OpenTofu 1.12 alike');
    expect((await applySolution(lab, 'remote-backend', workspace, env)).ok).toBe(true);
    const migratedLineage = lineageOf((await sh('"$TF" state pull')).out);
    expect(migratedLineage).not.toBe(localLineage);

    // Step 4: staging prints one line (no job-control "Killed ( cd … )"), and Lock Info reads as printed.
    expect((await applySolution(lab, 'locking', workspace, env)).ok).toBe(true);
    const staged = await runSetup(lab, 'held-lock', workspace, env);
    expect(staged?.ok).toBe(true);
    expect(staged?.output.trim()).toBe('CI job 4711 was killed mid-apply on ci@runner-07. Its lock is still held.');
    const plan = (await sh('"$TF" plan -lock-timeout=0s -no-color 2>&1')).out;
    for (const field of ['Who', 'Info']) {
      const inText = new RegExp(`^ {2}${field}: +(.+)$`, 'm').exec(mdx)?.[1];
      const shown = new RegExp(`^[│ ]*${field}: +(.+?)\\s*$`, 'm').exec(plan)?.[1];
      expect(inText, `${field} in the text`).toBeTruthy();
      expect(shown, `${field} in the plan output:\n${plan}`).toBe(inText);
    }
    expect((await applySolution(lab, 'held-lock', workspace, env)).ok).toBe(true);

    // Step 5: the text's list-object-versions lists state versions only; its get-object command works.
    expect((await runSetup(lab, 'recover-state', workspace, env))?.ok).toBe(true);
    const list = commandFromText('list-object-versions');
    expect(list).toContain("--query \"Versions[?Key=='platform/network.tfstate']");
    const table = await sh(list);
    expect(table.code).toBe(0);
    const ids = [...table.out.matchAll(/\|\s+([A-Za-z0-9._-]{20,})\s+\|/g)].map((m) => m[1] ?? '');
    const everything = await sh(
      'aws s3api list-object-versions --bucket dojo-tfstate --prefix platform/network.tfstate --query "length(Versions)" --output text',
    );
    // Unfiltered, the lock file's versions usually join the list (24 rows in the report), but not
    // always: terraform 1.11.4 left none in 2 of 10 local runs and in one CI run, tofu in none. The text says "usually";
    // what it promises is that the filter keeps the state's versions and nothing else.
    expect(Number(everything.out.trim())).toBeGreaterThanOrEqual(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(table.out).not.toContain('.tflock');
    const previous = ids[1] ?? '';
    const get = await sh(commandFromText('get-object').replace('<VersionId>', previous));
    expect(get.code, get.out).toBe(0);
    expect(lineageOf(await readFile(path.join(workspace, 'previous.tfstate'), 'utf8'))).toBe(
      lineageOf((await sh('"$TF" state pull')).out),
    );
  }, 240_000);
});
