/**
 * A provider built by scripts/toolchain.sh installs offline from the filesystem mirror with
 * `init -plugin-dir` and applies: proof that labs can use non-built-in providers without a registry.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { detectTerraformClis, type TerraformCli } from '../../src/sandbox/terraform-cli.ts';
import { missingTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const mirror = process.env['DOJO_PROVIDER_MIRROR'] ?? path.join(repoRoot, '.toolchain', 'providers');
let clis: TerraformCli[] = [];
beforeAll(async () => {
  clis = await detectTerraformClis();
});

describe.each(['tofu', 'terraform'] as const)('%s with the provider mirror', (flavor) => {
  it('installs hashicorp/local offline and applies a local_file', async (ctx) => {
    if (!existsSync(path.join(mirror, 'registry.opentofu.org', 'hashicorp', 'local')))
      missingTool(ctx, 'provider-mirror');
    const cli = clis.find((c) => c.flavor === flavor);
    if (!cli) {
      if (flavor === 'terraform') ctx.skip('terraform not installed (optional; tofu covers the same path)');
      missingTool(ctx, flavor);
    }
    await using dir = await tempDir(`mirror-${flavor}`);
    await writeFile(
      path.join(dir.path, 'main.tf'),
      `terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.9" }
  }
}

resource "local_file" "motd" {
  filename = "\${path.module}/motd.txt"
  content  = "deployed by the platform team\\n"
}
`,
    );
    const init = await cli.run(['init', '-no-color', `-plugin-dir=${mirror}`], { cwd: dir.path });
    expect(init.exitCode, init.stderr + init.stdout).toBe(0);
    expect(init.stdout).toMatch(/Installing hashicorp\/local v2\.9\.0/);
    const apply = await cli.run(['apply', '-auto-approve', '-no-color'], { cwd: dir.path });
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(await readFile(path.join(dir.path, 'motd.txt'), 'utf8')).toBe('deployed by the platform team\n');
    const show = JSON.parse((await cli.run(['show', '-json'], { cwd: dir.path })).stdout) as {
      values: { root_module: { resources: { address: string; provider_name: string }[] } };
    };
    const host = flavor === 'tofu' ? 'registry.opentofu.org' : 'registry.terraform.io';
    expect(show.values.root_module.resources).toEqual([
      expect.objectContaining({ address: 'local_file.motd', provider_name: `${host}/hashicorp/local` }),
    ]);
  });
});
