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
import { processProviderProblem } from '../../src/sandbox/process-binaries.ts';
import { localStackPython } from '../../src/sandbox/localstack-process.ts';

export const installHints: Record<string, string> = {
  tofu: 'run scripts/toolchain.sh (builds OpenTofu from the Go module proxy) or install OpenTofu',
  terraform: 'install Terraform >= 1.6 (optional: tests run on tofu too)',
  moto_server: 'run scripts/toolchain.sh or pip install "moto[server]"',
  conftest: 'run scripts/toolchain.sh or go install github.com/open-policy-agent/conftest@v0.71.1',
  chromium: 'apt-get install chromium (or set CHROMIUM_PATH)',
  git: 'install git',
  aws: 'run scripts/toolchain.sh (installs awscli into .toolchain/venv) or install the AWS CLI',
  'provider-mirror': 'run scripts/toolchain.sh (builds hashicorp/local into .toolchain/providers)',
  'process-cluster':
    'run npx dojo sandbox install (or scripts/toolchain.sh): builds etcd, kube-apiserver, kwok and Argo CD from the Go module proxy, installs redis-server',
  'localstack-process':
    'run npx dojo sandbox install (or scripts/toolchain.sh localstack): LocalStack 4.14.0 from PyPI, Python >= 3.13',
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

/** The process provider's programs (Linux): fails under CI=true when missing, skips elsewhere. */
export function requireProcessProvider(ctx: SkipContext): void {
  if (processProviderProblem() !== null) missingTool(ctx, 'process-cluster');
}

/** LocalStack installed as a host process. */
export function requireLocalStackProcess(ctx: SkipContext): string {
  return localStackPython() ?? missingTool(ctx, 'localstack-process');
}

export function requireTool(ctx: SkipContext, name: string): string {
  const found = which(name);
  return found ?? missingTool(ctx, name);
}
