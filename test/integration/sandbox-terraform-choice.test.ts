/**
 * Issue 12, item 8, through the real aws-emulator sandbox (moto_server): a lab begun with
 * terraform keeps terraform when tofu is also installed (the toolchain installs it), and the
 * sandbox says which CLI and why, in the services the page shows when it is ready.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWorkspace } from '../../src/labs/lab-workspace.ts';
import { loadLab } from '../../src/labs/load-labs.ts';
import { loadSandbox } from '../../src/sandbox/load-sandbox.ts';
import { detectTerraformClis } from '../../src/sandbox/terraform-cli.ts';
import { labsDir, sandboxesDir } from '../../src/shared/paths.ts';
import { missingTool, requireTool } from '../helpers/require-tool.ts';

describe('the aws-emulator sandbox picks the lab’s Terraform CLI', () => {
  it('keeps terraform for a lab that began with it although tofu is found first, and says so', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const clis = await detectTerraformClis();
    if (!clis.some((c) => c.flavor === 'tofu')) return missingTool(ctx, 'tofu');
    if (!clis.some((c) => c.flavor === 'terraform')) {
      return ctx.skip('terraform not installed (optional): the switch needs both CLIs on the machine');
    }
    const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-tf-choice-'));
    const saved = process.env['DOJO_TERRAFORM'];
    delete process.env['DOJO_TERRAFORM'];
    try {
      const lab = await loadLab(labsDir, 'terraform-state');
      const workspace = await ensureWorkspace(lab, home);
      const sandbox = await loadSandbox(sandboxesDir(), 'aws-emulator');
      // As a runner of yesterday recorded it: the lab's first sandbox ran terraform.
      await mkdir(path.join(home, 'terraform-cli'), { recursive: true });
      const terraform = clis.find((c) => c.flavor === 'terraform');
      await writeFile(
        path.join(home, 'terraform-cli', 'terraform-state.json'),
        JSON.stringify({ flavor: 'terraform', binary: terraform?.binary }),
      );
      const started = await sandbox.start({ workspace, dojoHome: home });
      try {
        expect(started.env['DOJO_TERRAFORM']).toBe('terraform');
        expect(started.env['TF']).toBe(terraform?.binary);
        expect(started.services['Terraform choice']).toBe(
          "kept from this lab's first sandbox; set DOJO_TERRAFORM=tofu and restart the sandbox to switch",
        );
      } finally {
        await started.stop();
      }
    } finally {
      if (saved !== undefined) process.env['DOJO_TERRAFORM'] = saved;
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
