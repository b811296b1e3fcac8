/**
 * Tests that need an external tool call `requireTool(ctx, name)`.
 *
 * - Tool present: returns its path.
 * - Tool missing, CI=true: throws, so the test FAILS (a green CI run means the real tools ran).
 * - Tool missing elsewhere: records the tool in the file named by DOJO_MISSING_TOOLS_FILE (set by
 *   scripts/test.ts, which prints one summary line per missing tool at the end) and skips the test.
 */
import { appendFileSync } from 'node:fs';
import { which } from '../../src/sandbox/which.ts';

export const installHints: Record<string, string> = {
  tofu: 'run scripts/toolchain.sh (builds OpenTofu from the Go module proxy) or install OpenTofu',
  terraform: 'install Terraform >= 1.6 (optional: tests run on tofu too)',
  moto_server: 'run scripts/toolchain.sh or pip install "moto[server]"',
  conftest: 'run scripts/toolchain.sh or go install github.com/open-policy-agent/conftest@v0.71.1',
  chromium: 'apt-get install chromium (or set CHROMIUM_PATH)',
  git: 'install git',
  aws: 'run scripts/toolchain.sh (installs awscli into .toolchain/venv) or install the AWS CLI',
  'provider-mirror': 'run scripts/toolchain.sh (builds hashicorp/local into .toolchain/providers)',
};

interface SkipContext {
  skip: (note?: string) => void;
}

export function recordMissing(name: string): void {
  const file = process.env['DOJO_MISSING_TOOLS_FILE'];
  if (file) appendFileSync(file, `${name}\t${installHints[name] ?? 'install it'}\n`);
}

export function missingTool(ctx: SkipContext, name: string): never {
  const hint = installHints[name] ?? 'install it';
  if (process.env['CI'] === 'true') {
    throw new Error(`${name} is required when CI=true but was not found. Fix: ${hint}.`);
  }
  recordMissing(name);
  ctx.skip(`${name} not installed: ${hint}`);
  throw new Error('unreachable: ctx.skip() throws');
}

export function requireTool(ctx: SkipContext, name: string): string {
  const found = which(name);
  return found ?? missingTool(ctx, name);
}
