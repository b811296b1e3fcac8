/**
 * Check correctness on held-out real state (test/fixtures/tf-heldout, applied here by tofu and by
 * terraform when present): map equality in any key order and lists in order only on request,
 * sensitive values never shown (messages, --json, the CLI), terraform.output sensitive:, noDrift
 * naming every changed resource and output with its action, module patterns over for_each/count
 * instances, fixes that match the failure, and baselines that follow a resource across a moved
 * block but not across an import.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { Observations } from '../../src/checks/observations.ts';
import { terraformResource } from '../../src/checks/terraform-resource.ts';
import { terraformOutput } from '../../src/checks/terraform-output.ts';
import { terraformNoDrift } from '../../src/checks/terraform-no-drift.ts';
import { terraformStateMeta } from '../../src/checks/terraform-state-meta.ts';
import { rawStateOf } from '../../src/checks/evidence/terraform-evidence.ts';
import { snapshot, writeBaseline } from '../../src/checks/evidence/baseline.ts';
import { detectTerraformClis, type TerraformCli } from '../../src/sandbox/terraform-cli.ts';
import { toolEnv } from '../../src/sandbox/which.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import type { Assertion } from '../../src/shared/check-result.ts';
import { missingTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let clis: TerraformCli[] = [];
beforeAll(async () => {
  clis = await detectTerraformClis();
});

const fixture = path.join(repoRoot, 'test', 'fixtures', 'tf-heldout');
const SECRET = 's3cr3t-value';

function ctxFor(workspace: string, cli: TerraformCli) {
  return {
    workspace,
    env: { ...toolEnv(), DOJO_TERRAFORM: cli.flavor },
    observations: new Observations(),
    signal: new AbortController().signal,
  };
}

interface Kind {
  schema: { parse: (x: unknown) => unknown };
  run: (o: never, c: never) => Promise<Assertion[]>;
}
const run = (check: Kind, options: unknown, ctx: unknown) =>
  check.run(check.schema.parse(options) as never, ctx as never);

describe.each(['tofu', 'terraform'] as const)('check correctness on real %s state', (flavor) => {
  function cliOr(ctx: { skip: (m?: string) => void }): TerraformCli {
    const cli = clis.find((c) => c.flavor === flavor);
    if (!cli) {
      if (flavor === 'terraform') ctx.skip('terraform not installed (optional; tofu covers the same path)');
      missingTool(ctx, flavor);
    }
    return cli;
  }

  async function applied(ctx: { skip: (m?: string) => void }, source = fixture) {
    const cli = cliOr(ctx);
    const dir = await tempDir(`correct-${flavor}`);
    await cp(source, dir.path, { recursive: true });
    for (const args of [
      ['init', '-no-color', '-input=false'],
      ['apply', '-auto-approve', '-no-color', '-input=false'],
    ]) {
      const r = await cli.run(args, { cwd: dir.path });
      expect(r.exitCode, r.stderr).toBe(0);
    }
    return { cli, dir };
  }

  it('compares maps in any key order, and lists in any order unless ordered: true', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const c = ctxFor(dir.path, cli);
    const map = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'terraform_data.tags',
        attributes: [{ path: 'input', equals: { env: 'prod', team: 'payments', owner: 'platform' } }],
      },
      c,
    );
    expect(map.map((a) => a.ok)).toEqual([true, true]);
    const out = await run(
      terraformOutput,
      { kind: 'terraform.output', name: 'tags', equals: { owner: 'platform', env: 'prod', team: 'payments' } },
      c,
    );
    expect(out[0]?.ok).toBe(true);
    const shuffled = ['us-east-1c', 'us-east-1a', 'us-east-1b'];
    const anyOrder = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'terraform_data.zones',
        attributes: [{ path: 'input', equals: shuffled }],
      },
      c,
    );
    expect(anyOrder[1]).toMatchObject({ ok: true, expected: expect.stringContaining('(any order)') });
    const ordered = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'terraform_data.zones',
        attributes: [
          { path: 'input', equals: shuffled, ordered: true },
          { path: 'input', equals: ['us-east-1a', 'us-east-1b', 'us-east-1c'], ordered: true },
        ],
      },
      c,
    );
    expect(ordered.map((a) => a.ok)).toEqual([true, false, true]);
    expect(ordered[1]?.expected).toContain('(in this order)');
    const wrongValue = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'terraform_data.tags',
        attributes: [{ path: 'input', equals: { env: 'staging', team: 'payments', owner: 'platform' } }],
      },
      c,
    );
    expect(wrongValue[1]?.ok).toBe(false);
  });

  it('never shows a sensitive attribute or output, in messages or JSON', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const c = ctxFor(dir.path, cli);
    const whole = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'terraform_data.secret',
        attributes: [{ path: 'input', equals: 'guess' }],
      },
      c,
    );
    expect(whole[1]).toMatchObject({
      ok: false,
      found: 'terraform_data.secret input = (sensitive) (marked sensitive in state, so not shown)',
    });
    const part = await run(
      terraformResource,
      {
        kind: 'terraform.resource',
        address: 'terraform_data.db',
        attributes: [
          { path: 'input', equals: { engine: 'mysql' } },
          { path: 'input.password', contains: 'nope' },
          { path: 'input.engine', equals: 'postgres' },
        ],
      },
      c,
    );
    expect(part.map((a) => a.ok)).toEqual([true, false, false, true]);
    // The map is shown with the sensitive part masked; the rest stays readable.
    expect(part[1]?.found).toBe(
      'terraform_data.db input = {"engine":"postgres","password":"(sensitive)","tags":{"owner":"payments"}}',
    );
    expect(part[2]?.found).toMatch(/input\.password = \(sensitive\)/);
    const output = await run(terraformOutput, { kind: 'terraform.output', name: 'token', contains: 'x' }, c);
    expect(output[0]?.found).toMatch(/\(sensitive\)/);
    for (const text of [JSON.stringify(whole), JSON.stringify(part), JSON.stringify(output)]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('dojo lab check, text and --json, never prints the sensitive value', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    await using labs = await tempDir('secret-lab');
    const lab = path.join(labs.path, 'secret-lab');
    await mkdir(path.join(lab, 'solution'), { recursive: true });
    await writeFile(path.join(lab, 'solution', 'check.sh'), '#!/usr/bin/env bash\ntrue\n');
    await writeFile(
      path.join(lab, 'index.mdx'),
      `---
title: Secret lab
summary: 'A lab whose check compares a sensitive value.'
level: beginner
minutes: 1
sandbox: terraform
steps:
  - id: check
    title: Check the secret
    outcome: 'The secret has the expected value.'
    checks:
      - kind: terraform.resource
        address: terraform_data.secret
        attributes: [{ path: input, equals: guess }]
      - kind: terraform.output
        name: token
        equals: guess
---

<Step id="check">Nothing.</Step>
`,
    );
    for (const extra of [[], ['--json']]) {
      const r = await execa(
        process.execPath,
        [
          path.join(repoRoot, 'bin', 'dojo.mjs'),
          'lab',
          'check',
          'secret-lab',
          'check',
          '--workspace',
          dir.path,
          ...extra,
        ],
        { env: { DOJO_LABS_DIR: labs.path, DOJO_TERRAFORM: cli.flavor }, reject: false, all: true },
      );
      expect(r.exitCode, String(r.all)).toBe(1);
      expect(String(r.all)).toContain('(sensitive)');
      expect(String(r.all)).not.toContain(SECRET);
    }
  });

  it('terraform.output sensitive: true requires the output to be declared sensitive', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const c = ctxFor(dir.path, cli);
    const token = await run(terraformOutput, { kind: 'terraform.output', name: 'token', sensitive: true }, c);
    expect(token.map((a) => a.ok)).toEqual([true]);
    const tags = await run(terraformOutput, { kind: 'terraform.output', name: 'tags', sensitive: true }, c);
    expect(tags[0]).toMatchObject({
      ok: false,
      message: 'output tags is not marked sensitive: plan and apply print its value',
      hint: 'Add sensitive = true to output "tags" and apply again.',
    });
    const notSensitive = await run(terraformOutput, { kind: 'terraform.output', name: 'token', sensitive: false }, c);
    expect(notSensitive[0]).toMatchObject({ ok: false, hint: expect.stringMatching(/^Remove sensitive = true/) });
  });

  it('matches every instance of a for_each or count module, one instance, or any instance explicitly', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const c = ctxFor(dir.path, cli);
    const count = async (options: Record<string, unknown>) =>
      (await run(terraformResource, { kind: 'terraform.resource', ...options }, c))[0]!;
    expect(await count({ type: 'terraform_data', module: 'module.envs', count: 2 })).toMatchObject({
      ok: true,
      found: '2 (module.envs["dev"].terraform_data.this, module.envs["prod"].terraform_data.this)',
    });
    expect((await count({ type: 'terraform_data', module: 'module.envs["dev"]', count: 1 })).ok).toBe(true);
    expect((await count({ type: 'terraform_data', module: 'module.pool[*]', count: 2 })).ok).toBe(true);
    expect((await count({ type: 'terraform_data', module: 'module.pool[1]', count: 1 })).ok).toBe(true);
    expect((await count({ address: 'module.envs.terraform_data.this', count: 2 })).ok).toBe(true);
    expect((await count({ type: 'terraform_data', name: 'this', module: '', count: 0 })).ok).toBe(true);
    const qa = await count({ type: 'terraform_data', module: 'module.envs["qa"]', count: 1 });
    expect(qa).toMatchObject({ ok: false });
    expect(qa.message).toMatch(/the state has module instance\(s\) module\.envs\["dev"\], module\.envs\["prod"\]/);
    expect(qa.hint).toMatch(/fewer instances than expected/);
    const tooMany = await count({ type: 'terraform_data', module: 'module.pool', count: 1 });
    expect(tooMany.hint).toMatch(/more instances than expected/);
    expect(() => terraformResource.schema.parse({ kind: 'terraform.resource', type: 'x', module: 'envs' })).toThrow(
      /expected a module address such as module\.net/,
    );
  });

  it('noDrift names every resource and output that would change, with its action', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const main = path.join(dir.path, 'main.tf');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(main, 'utf8');
    await writeFile(
      main,
      `${text.replace('env = "prod" }', 'env = "staging" }')}\noutput "extra" {\n  value = "new"\n}\nresource "terraform_data" "queue" {\n  input = "orders"\n}\n`,
    );
    const drift = await run(terraformNoDrift, { kind: 'terraform.noDrift' }, ctxFor(dir.path, cli));
    expect(drift[0]?.ok).toBe(false);
    for (const part of [
      'terraform_data.queue (create)',
      'terraform_data.tags (update in place)',
      'output extra (create)',
      'output tags (update)',
    ]) {
      expect(drift[0]?.found).toContain(part);
    }
    expect(drift[0]?.message).toMatch(/^plan wants 4 change\(s\): /);
    // Only an output differs: named, with a fix that says so.
    await writeFile(main, `${text}\noutput "extra" {\n  value = "new"\n}\n`);
    const outputs = await run(terraformNoDrift, { kind: 'terraform.noDrift' }, ctxFor(dir.path, cli));
    expect(outputs[0]).toMatchObject({
      ok: false,
      found: 'output extra (create)',
      hint: expect.stringMatching(/^Only outputs differ/),
    });
    // A sensitive output's value never appears, changed or not.
    await writeFile(main, text.replace('value     = var.secret', 'value     = "${var.secret}-2"'));
    const secret = await run(terraformNoDrift, { kind: 'terraform.noDrift' }, ctxFor(dir.path, cli));
    expect(secret[0]?.found).toContain('output token (update)');
    expect(JSON.stringify(secret)).not.toContain(SECRET);
  });

  it("the authoring guide's examples for state checks pass on the terraform-state lab's applied starter", async (ctx) => {
    const { cli, dir } = await applied(ctx, path.join(repoRoot, 'labs', 'terraform-state', 'starter'));
    await using _ = dir;
    for (const kind of [terraformResource, terraformOutput, terraformNoDrift]) {
      const r = await run(kind, kind.example, ctxFor(dir.path, cli));
      expect(r.length).toBeGreaterThan(0);
      expect(
        r.filter((a) => !a.ok),
        `${kind.kind} example`,
      ).toEqual([]);
    }
  });

  it('stateMeta exists: false, when a state is there, advises removing the leftover, not applying', async (ctx) => {
    const { cli, dir } = await applied(ctx);
    await using _ = dir;
    const r = await run(terraformStateMeta, { kind: 'terraform.stateMeta', exists: false }, ctxFor(dir.path, cli));
    expect(r[0]).toMatchObject({ ok: false, expected: 'no state at terraform.tfstate' });
    expect(r[0]?.hint).toMatch(/leftover: delete it/);
    expect(r[0]?.hint).not.toMatch(/Run apply/);
  });

  describe('a baseline follows a resource across a moved block, not across an import', () => {
    const module = `resource "terraform_data" "this" {
  input            = { name = "checkout" }
  triggers_replace = ["postgres-15"]
}
`;
    const before = `resource "terraform_data" "checkout" {
  input            = { name = "checkout" }
  triggers_replace = ["postgres-15"]
}
`;
    async function refactorFrom(ctx: { skip: (m?: string) => void }) {
      const cli = cliOr(ctx);
      const dir = await tempDir(`moved-${flavor}`);
      await writeFile(path.join(dir.path, 'main.tf'), before);
      for (const args of [
        ['init', '-no-color'],
        ['apply', '-auto-approve', '-no-color'],
      ]) {
        expect((await cli.run(args, { cwd: dir.path })).exitCode).toBe(0);
      }
      const state = snapshot(await rawStateOf(ctxFor(dir.path, cli)));
      await writeBaseline(dir.path, {
        step: 'refactor',
        recordedAt: new Date().toISOString(),
        before: state,
        after: state,
      });
      await mkdir(path.join(dir.path, 'modules', 'checkout'), { recursive: true });
      await writeFile(path.join(dir.path, 'modules', 'checkout', 'main.tf'), module);
      const id = Object.values(state?.ids ?? {})[0] ?? '';
      const kept = (c: ReturnType<typeof ctxFor>) =>
        run(terraformStateMeta, { kind: 'terraform.stateMeta', baseline: { step: 'refactor', resources: 'kept' } }, c);
      const apply = async () => {
        expect((await cli.run(['init', '-no-color'], { cwd: dir.path })).exitCode).toBe(0);
        const r = await cli.run(['apply', '-auto-approve', '-no-color'], { cwd: dir.path });
        expect(r.exitCode, r.stderr).toBe(0);
      };
      return { cli, dir, id, kept, apply };
    }
    const root = 'module "checkout" {\n  source = "./modules/checkout"\n}\n';

    it('moved: same id at the new address, nothing to destroy: kept passes', async (ctx) => {
      const { cli, dir, kept, apply } = await refactorFrom(ctx);
      await using _ = dir;
      await writeFile(
        path.join(dir.path, 'main.tf'),
        `${root}moved {\n  from = terraform_data.checkout\n  to   = module.checkout.terraform_data.this\n}\n`,
      );
      await apply();
      const r = await kept(ctxFor(dir.path, cli));
      expect(r.map((a) => a.ok)).toEqual([true, true, true]);
      expect(r[1]?.found).toMatch(
        /terraform_data\.checkout moved to module\.checkout\.terraform_data\.this \(same id\)/,
      );
    });

    it('import written, not applied: the old address is still there but the plan destroys it: kept fails', async (ctx) => {
      const { cli, dir, id, kept } = await refactorFrom(ctx);
      await using _ = dir;
      await writeFile(
        path.join(dir.path, 'main.tf'),
        `${root}import {\n  to = module.checkout.terraform_data.this\n  id = "${id}"\n}\n`,
      );
      expect((await cli.run(['init', '-no-color'], { cwd: dir.path })).exitCode).toBe(0);
      const r = await kept(ctxFor(dir.path, cli));
      expect(r.map((a) => a.ok)).toEqual([true, true, false]);
      expect(r[2]?.message).toMatch(/^the plan would destroy 1 of them: terraform_data\.checkout \(destroy\)/);
      expect(r[2]?.hint).toMatch(/Remove the import and write a moved block/);
    });

    it('import applied: the argument import cannot restore forces a new id: kept fails', async (ctx) => {
      const { cli, dir, id, kept, apply } = await refactorFrom(ctx);
      await using _ = dir;
      await writeFile(
        path.join(dir.path, 'main.tf'),
        `${root}import {\n  to = module.checkout.terraform_data.this\n  id = "${id}"\n}\n`,
      );
      await apply();
      const r = await kept(ctxFor(dir.path, cli));
      expect(r[1]).toMatchObject({ ok: false });
      expect(r[1]?.message).toMatch(/lost their original id: terraform_data\.checkout \(id .*\) is no longer in state/);
      expect(r[1]?.hint).toMatch(/a moved block \(from the old address to the new one\) keeps the object/);
    });
  });
});
