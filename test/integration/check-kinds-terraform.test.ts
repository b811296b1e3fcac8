/**
 * The terraform.* check kinds against real `show -json` and plan output produced here by tofu
 * (and terraform when present): modules, count, for_each, sensitive values, empty state, drift.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Observations } from '../../src/checks/observations.ts';
import { terraformResource } from '../../src/checks/terraform-resource.ts';
import { terraformOutput } from '../../src/checks/terraform-output.ts';
import { terraformNoDrift } from '../../src/checks/terraform-no-drift.ts';
import { terraformBackend } from '../../src/checks/terraform-backend.ts';
import { terraformStateMeta } from '../../src/checks/terraform-state-meta.ts';
import { runStepChecks } from '../../src/checks/check-engine.ts';
import { detectTerraformClis, type TerraformCli } from '../../src/sandbox/terraform-cli.ts';
import { toolEnv } from '../../src/sandbox/which.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import type { LoadedLab } from '../../src/labs/load-labs.ts';
import { labManifestSchema } from '../../src/labs/lab-manifest.ts';
import { missingTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let clis: TerraformCli[] = [];
beforeAll(async () => {
  clis = await detectTerraformClis();
});

const fixture = path.join(repoRoot, 'test', 'fixtures', 'tf-modules');

function ctxFor(workspace: string, cli: TerraformCli) {
  return {
    workspace,
    env: { ...toolEnv(), DOJO_TERRAFORM: cli.flavor },
    observations: new Observations(),
    signal: new AbortController().signal,
  };
}

const run = <T extends { schema: { parse: (x: unknown) => unknown }; run: (o: never, c: never) => Promise<unknown> }>(
  check: T,
  options: unknown,
  ctx: unknown,
) =>
  check.run(check.schema.parse(options) as never, ctx as never) as Promise<
    { ok: boolean; message: string; found: string; expected: string }[]
  >;

describe.each(['tofu', 'terraform'] as const)('terraform.* checks on real %s output', (flavor) => {
  async function applied(ctx: { skip: (m?: string) => void }) {
    const cli = clis.find((c) => c.flavor === flavor);
    if (!cli) {
      if (flavor === 'terraform') ctx.skip('terraform not installed (optional; tofu covers the same path)');
      missingTool(ctx, flavor);
    }
    const dir = await tempDir(`checks-${flavor}`);
    await cp(fixture, dir.path, { recursive: true });
    for (const args of [
      ['init', '-no-color'],
      ['apply', '-auto-approve', '-no-color'],
    ]) {
      const r = await cli.run(args, { cwd: dir.path });
      expect(r.exitCode, r.stderr).toBe(0);
    }
    return { cli, dir };
  }

  it('finds resources by address, by type/name in a module, by count and for_each instance', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const c = ctxFor(dir.path, cli);
    const byAddress = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'module.net.terraform_data.subnet["b"]',
        attributes: [{ path: 'input.zone', equals: 'us-east-1b' }],
      },
      c,
    );
    expect(byAddress.map((a) => a.ok)).toEqual([true, true]);
    const inModule = await run(
      terraformResource,
      { kind: 'terraform.resource', type: 'terraform_data', name: 'subnet', count: 2 },
      c,
    );
    expect(inModule[0]).toMatchObject({
      ok: true,
      found: expect.stringContaining('module.net.terraform_data.subnet["a"]'),
    });
    const counted = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        type: 'terraform_data',
        name: 'worker',
        index: 2,
        attributes: [{ path: 'input.name', equals: 'worker-2' }],
      },
      c,
    );
    expect(counted.every((a) => a.ok)).toBe(true);
    const wrongCount = await run(
      terraformResource,
      { kind: 'terraform.resource', type: 'terraform_data', name: 'worker', count: 2 },
      c,
    );
    expect(wrongCount[0]).toMatchObject({ ok: false, message: expect.stringContaining('expected 2 instance(s)') });
    const rootOnly = await run(
      terraformResource,
      { kind: 'terraform.resource', type: 'terraform_data', name: 'vpc', module: '' },
      c,
    );
    expect(rootOnly[0]?.ok).toBe(false);
    const missing = await run(terraformResource, { kind: 'terraform.resource', address: 'terraform_data.cache' }, c);
    expect(missing[0]).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /terraform_data\.cache not found in terraform\.tfstate \(state has .*terraform_data\.db/,
      ),
    });
    const nested = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'terraform_data.db',
        attributes: [
          { path: 'input.tags.owner', equals: 'payments' },
          { path: 'input.engine', matches: '^post' },
          { path: 'input.port', exists: false },
          { path: 'input.engine', contains: 'mysql' },
        ],
      },
      c,
    );
    expect(nested.map((a) => a.ok)).toEqual([true, true, true, true, false]);
    expect(nested[4]?.found).toBe('terraform_data.db input.engine = "postgres"');
    // One show -json for all of the above assertions within this run.
    expect(c.observations.size).toBeLessThanOrEqual(3);
  });

  it('reads outputs, and never prints a sensitive value in a failure', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const c = ctxFor(dir.path, cli);
    expect(
      (await run(terraformOutput, { kind: 'terraform.output', name: 'vpc_cidr', equals: '10.40.0.0/16' }, c))[0]?.ok,
    ).toBe(true);
    const wrong = await run(terraformOutput, { kind: 'terraform.output', name: 'db_password', equals: 'guess' }, c);
    expect(wrong[0]?.ok).toBe(false);
    expect(JSON.stringify(wrong)).not.toContain('s3cr3t-from-test');
    const absent = await run(terraformOutput, { kind: 'terraform.output', name: 'endpoint' }, c);
    expect(absent[0]?.message).toMatch(/output "endpoint" not found \(state has .*vpc_cidr/);
  });

  it('detects drift with plan -detailed-exitcode and judges the local backend and state meta', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    expect((await run(terraformNoDrift, { kind: 'terraform.noDrift' }, ctxFor(dir.path, cli)))[0]?.ok).toBe(true);
    const backend = await run(terraformBackend, { kind: 'terraform.backend', type: 's3' }, ctxFor(dir.path, cli));
    expect(backend[0]).toMatchObject({ ok: false, found: 'no backend recorded by init (local state)' });
    const meta = await run(terraformStateMeta, { kind: 'terraform.stateMeta', minSerial: 1 }, ctxFor(dir.path, cli));
    expect(meta.every((a) => a.ok)).toBe(true);
    // Change the configuration: the plan now has changes, named in the finding.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir.path, 'extra.tf'), 'resource "terraform_data" "queue" {\n  input = "orders"\n}\n');
    const drift = await run(terraformNoDrift, { kind: 'terraform.noDrift' }, ctxFor(dir.path, cli));
    expect(drift[0]).toMatchObject({
      ok: false,
      found: expect.stringContaining('terraform_data.queue (create)'),
    });
  });

  it('fails, not errors, on an empty state and errors with the CLI text on invalid HCL', async (ctx) => {
    const cli = clis.find((c) => c.flavor === flavor);
    if (!cli) {
      if (flavor === 'terraform') ctx.skip('terraform not installed (optional; tofu covers the same path)');
      missingTool(ctx, flavor);
    }
    await using dir = await tempDir(`checks-empty-${flavor}`);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir.path, 'main.tf'), 'resource "terraform_data" "a" {\n  input = 1\n}\n');
    const lab: LoadedLab = {
      id: 'demo',
      dir: dir.path,
      file: path.join(dir.path, 'index.mdx'),
      body: '',
      wrong: {},
      sandbox: null,
      manifest: labManifestSchema.parse({
        title: 'Demo',
        summary: 'A demo lab for check tests.',
        level: 'beginner',
        minutes: 5,
        sandbox: 'local',
        steps: [
          {
            id: 's',
            title: 'Step',
            outcome: 'terraform_data.a is in state.',
            checks: [{ kind: 'terraform.resource', address: 'terraform_data.a' }],
          },
        ],
      }),
    };
    const env = { ...toolEnv(), DOJO_TERRAFORM: cli.flavor };
    const empty = await runStepChecks(lab, 's', { workspace: dir.path, env });
    expect(empty.status).toBe('fail');
    expect(empty.assertions[0]?.message).toBe(
      'terraform_data.a not found in terraform.tfstate (state has no resources)',
    );
    await writeFile(path.join(dir.path, 'broken.tf'), 'resource "terraform_data" "b" {\n  input = \n}\n');
    const broken = await runStepChecks(lab, 's', { workspace: dir.path, env });
    expect(broken.status).toBe('error');
    expect(broken.message).toMatch(/show -json" to succeed; it exited 1: Error: /);
    expect(broken.message).not.toMatch(/\n\s+at /);
  });
});
