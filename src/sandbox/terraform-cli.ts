/**
 * Runs terraform or tofu: the same interface for both, so a check never cares which one the
 * learner has. Output is returned whole (the CLI's own error text is what a learner needs to see);
 * `show -json` output may hold secrets in clear text, so nothing here logs it.
 */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { toolEnv, which } from './which.ts';

export type TerraformFlavor = 'terraform' | 'tofu';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class TerraformNotFoundError extends Error {
  constructor(wanted: string) {
    super(
      `expected ${wanted} on PATH, found none. Fix: install OpenTofu (brew install opentofu, or https://opentofu.org/docs/intro/install/) or Terraform >= 1.6, then run "npx dojo doctor".`,
    );
    this.name = 'TerraformNotFoundError';
  }
}

/** The environment every terraform/tofu run gets: non-interactive, no update checks. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...toolEnv(base),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    ...extra,
  };
  // A TF_CLI_CONFIG_FILE that points at a missing file makes every command print a warning
  // (seen on CI images); drop it rather than let it pollute output we parse.
  const cfg = env['TF_CLI_CONFIG_FILE'];
  if (cfg && !existsSync(cfg)) delete env['TF_CLI_CONFIG_FILE'];
  return env;
}

export class TerraformCli {
  readonly flavor: TerraformFlavor;
  readonly binary: string;
  readonly version: string;

  constructor(flavor: TerraformFlavor, binary: string, version: string) {
    this.flavor = flavor;
    this.binary = binary;
    this.version = version;
  }

  /** Whether this binary supports S3-native locking (`use_lockfile`): Terraform 1.11+, OpenTofu 1.10+. */
  get supportsLockfile(): boolean {
    const [major = 0, minor = 0] = this.version.split('.').map(Number);
    return major > 1 || minor >= (this.flavor === 'tofu' ? 10 : 11);
  }

  async run(args: string[], options: RunOptions): Promise<RunResult> {
    const r = await execa(this.binary, args, {
      cwd: options.cwd,
      env: terraformEnv(options.env),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 300_000,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      maxBuffer: 256 * 1024 * 1024,
    });
    return {
      exitCode: r.exitCode ?? -1,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      timedOut: r.timedOut,
    };
  }
}

async function probe(flavor: TerraformFlavor, env: NodeJS.ProcessEnv): Promise<TerraformCli | null> {
  const binary = which(flavor, env);
  if (!binary) return null;
  const r = await execa(binary, ['version', '-json'], {
    env: terraformEnv({}, env),
    reject: false,
    timeout: 15_000,
    stdin: 'ignore',
  });
  const version = /"terraform_version":\s*"([^"]+)"/.exec(String(r.stdout))?.[1];
  return version ? new TerraformCli(flavor, binary, version) : null;
}

/** Every terraform/tofu binary on this machine, tofu first. */
export async function detectTerraformClis(env: NodeJS.ProcessEnv = process.env): Promise<TerraformCli[]> {
  const found = await Promise.all([probe('tofu', env), probe('terraform', env)]);
  return found.filter((c): c is TerraformCli => c !== null);
}

/** The CLI to use: `prefer` (or DOJO_TERRAFORM=terraform|tofu) if present, else tofu, else terraform. */
export async function detectTerraformCli(
  prefer?: TerraformFlavor,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TerraformCli> {
  const wanted = prefer ?? (env['DOJO_TERRAFORM'] as TerraformFlavor | undefined);
  const all = await detectTerraformClis(env);
  const pick = wanted ? all.find((c) => c.flavor === wanted) : all[0];
  if (!pick) throw new TerraformNotFoundError(wanted ?? 'terraform or tofu');
  return pick;
}
