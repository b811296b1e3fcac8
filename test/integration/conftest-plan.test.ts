/**
 * Policy as code on a real plan: conftest (Rego v1) denies a plan whose resources lack an owner
 * and passes one where every resource has one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { detectTerraformCli } from '../../src/sandbox/terraform-cli.ts';
import { missingTool, requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const POLICY = `package main

import rego.v1

deny contains msg if {
  some rc in input.resource_changes
  rc.type == "terraform_data"
  not rc.change.after.input.owner
  msg := sprintf("%s: every resource needs an owner in its input (found none)", [rc.address])
}
`;

async function planJson(cwd: string, tf: string, ctx: Parameters<typeof missingTool>[0]): Promise<string> {
  const cli = await detectTerraformCli().catch(() => missingTool(ctx, 'tofu'));
  await writeFile(path.join(cwd, 'main.tf'), tf);
  for (const args of [
    ['init', '-no-color'],
    ['plan', '-no-color', '-out=plan.out'],
  ]) {
    const r = await cli.run(args, { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
  }
  const show = await cli.run(['show', '-json', 'plan.out'], { cwd });
  expect(show.exitCode, show.stderr).toBe(0);
  await writeFile(path.join(cwd, 'plan.json'), show.stdout);
  return path.join(cwd, 'plan.json');
}

describe('conftest on plan JSON', () => {
  it('denies a plan that violates the policy and passes a compliant one', async (ctx) => {
    const conftest = requireTool(ctx, 'conftest');
    await using dir = await tempDir('conftest');
    await mkdir(path.join(dir.path, 'policy'));
    await writeFile(path.join(dir.path, 'policy', 'owner.rego'), POLICY);

    const bad = path.join(dir.path, 'bad');
    await mkdir(bad);
    const badPlan = await planJson(
      bad,
      `resource "terraform_data" "queue" {\n  input = { name = "orders" }\n}\nresource "terraform_data" "db" {\n  input = { name = "orders-db", owner = "payments" }\n}\n`,
      ctx,
    );
    const denied = await execa(conftest, ['test', '--no-color', '-p', path.join(dir.path, 'policy'), badPlan], {
      reject: false,
    });
    expect(denied.exitCode).toBe(1);
    expect(denied.stdout).toContain('terraform_data.queue: every resource needs an owner');
    expect(denied.stdout).not.toContain('terraform_data.db:');
    expect(denied.stdout).toMatch(/1 failure/);

    const good = path.join(dir.path, 'good');
    await mkdir(good);
    const goodPlan = await planJson(
      good,
      `resource "terraform_data" "db" {\n  input = { name = "orders-db", owner = "payments" }\n}\n`,
      ctx,
    );
    const passed = await execa(conftest, ['test', '--no-color', '-p', path.join(dir.path, 'policy'), goodPlan], {
      reject: false,
    });
    expect(passed.exitCode, passed.stdout).toBe(0);
    expect(passed.stdout).toMatch(/0 failures/);
  });
});
