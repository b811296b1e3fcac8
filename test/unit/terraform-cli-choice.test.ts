/**
 * Issue 12, item 8: installing the toolchain (which brings tofu) silently switched the next
 * sandbox of a lab begun with terraform. The choice is now sticky per lab, explicit with
 * DOJO_TERRAFORM, and always explained.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseTerraformCli, TerraformCli, TerraformNotFoundError } from '../../src/sandbox/terraform-cli.ts';

const terraform = new TerraformCli('terraform', '/usr/local/bin/terraform', '1.11.4');
const tofu = new TerraformCli('tofu', '/opt/dojo/.toolchain/bin/tofu', '1.12.6');
const onMachine =
  (...clis: TerraformCli[]) =>
  () =>
    Promise.resolve(clis);

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'dojo-tf-choice-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('chooseTerraformCli', () => {
  it('keeps the CLI a lab started with after tofu is installed, and says how to switch', async () => {
    const first = await chooseTerraformCli({ dojoHome: home, lab: 'terraform-state', env: {} }, onMachine(terraform));
    expect(first.cli).toBe(terraform);
    expect(first.note).toBe(
      '$TF is terraform 1.11.4 (/usr/local/bin/terraform), found first. This lab keeps it from now on',
    );
    expect(JSON.parse(await readFile(path.join(home, 'terraform-cli', 'terraform-state.json'), 'utf8'))).toEqual({
      flavor: 'terraform',
      binary: '/usr/local/bin/terraform',
    });

    // The toolchain installed tofu; detection lists it first. The lab stays on terraform.
    const next = await chooseTerraformCli(
      { dojoHome: home, lab: 'terraform-state', env: {} },
      onMachine(tofu, terraform),
    );
    expect(next.cli).toBe(terraform);
    expect(next.note).toBe(
      "$TF is terraform 1.11.4 (/usr/local/bin/terraform), kept from this lab's first sandbox; set DOJO_TERRAFORM=tofu and restart the sandbox to switch",
    );

    // Another lab, started now, takes tofu (found first) and keeps it.
    const other = await chooseTerraformCli({ dojoHome: home, lab: 'drift', env: {} }, onMachine(tofu, terraform));
    expect(other.cli).toBe(tofu);
    expect(other.note).toContain('DOJO_TERRAFORM=terraform chooses the other one');
  });

  it('lets DOJO_TERRAFORM decide, remembers it, and fails plainly when that CLI is missing', async () => {
    const chosen = await chooseTerraformCli(
      { dojoHome: home, lab: 'terraform-state', env: { DOJO_TERRAFORM: 'tofu' } },
      onMachine(terraform, tofu),
    );
    expect(chosen.cli).toBe(tofu);
    expect(chosen.note).toBe('$TF is tofu 1.12.6 (/opt/dojo/.toolchain/bin/tofu), chosen by DOJO_TERRAFORM=tofu');
    const later = await chooseTerraformCli(
      { dojoHome: home, lab: 'terraform-state', env: {} },
      onMachine(terraform, tofu),
    );
    expect(later.cli).toBe(tofu);
    await expect(
      chooseTerraformCli({ dojoHome: home, lab: 'x', env: { DOJO_TERRAFORM: 'terraform' } }, onMachine(tofu)),
    ).rejects.toBeInstanceOf(TerraformNotFoundError);
  });

  it('switches only when the recorded CLI is gone, and says so', async () => {
    await chooseTerraformCli({ dojoHome: home, lab: 'terraform-state', env: {} }, onMachine(terraform));
    const after = await chooseTerraformCli({ dojoHome: home, lab: 'terraform-state', env: {} }, onMachine(tofu));
    expect(after.cli).toBe(tofu);
    expect(after.note).toBe(
      '$TF is tofu 1.12.6 (/opt/dojo/.toolchain/bin/tofu): this lab used terraform (/usr/local/bin/terraform), which is no longer installed',
    );
  });
});
