/**
 * Runs terraform or tofu: the same interface for both, so a check never cares which one the
 * learner has. Output is returned whole (the CLI's own error text is what a learner needs to see);
 * `show -json` output may hold secrets in clear text, so nothing here logs it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';
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

/** Which CLI a lab's sandbox uses, and the sentence that tells the learner why. */
export interface TerraformChoice {
  cli: TerraformCli;
  /** Why this one, e.g. "kept from this lab's first sandbox; set DOJO_TERRAFORM=tofu … to switch". */
  reason: string;
  /** The whole sentence: "$TF is terraform 1.11.4 (/usr/local/bin/terraform), " + reason. */
  note: string;
}

const choiceRecordSchema = z.strictObject({ flavor: z.enum(['terraform', 'tofu']), binary: z.string() });

function readChoice(file: string): z.infer<typeof choiceRecordSchema> | null {
  try {
    return choiceRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null; // no record yet (or an unreadable one): choose afresh
  }
}

/**
 * Picks the CLI for a lab's sandbox deterministically. Without a rule, installing OpenTofu (the
 * toolchain does) silently switched the next sandbox of a lab begun with Terraform to tofu, while
 * the open shell kept the old `$TF` and the state had been written by the other CLI. So:
 *
 * 1. DOJO_TERRAFORM=terraform|tofu decides when set;
 * 2. otherwise the lab keeps the flavour its first sandbox used, recorded in
 *    `DOJO_HOME/terraform-cli/<lab>.json`, as long as that flavour is installed;
 * 3. otherwise (first start, or the recorded one is gone) tofu if present, else terraform, and
 *    the choice is recorded.
 *
 * The note says which rule applied and how to switch; the sandbox shows it with its progress.
 */
export async function chooseTerraformCli(
  options: { dojoHome: string; lab: string; env?: NodeJS.ProcessEnv },
  detect: (env: NodeJS.ProcessEnv) => Promise<TerraformCli[]> = detectTerraformClis,
): Promise<TerraformChoice> {
  const env = options.env ?? process.env;
  const file = path.join(options.dojoHome, 'terraform-cli', `${options.lab}.json`);
  const all = await detect(env);
  const choice = (cli: TerraformCli, reason: string, sep = ', '): TerraformChoice => ({
    cli,
    reason,
    note: `$TF is ${cli.flavor} ${cli.version} (${cli.binary})${sep}${reason}`,
  });
  const other = (c: TerraformCli) => (c.flavor === 'tofu' ? 'terraform' : 'tofu');
  const remember = (c: TerraformCli) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ flavor: c.flavor, binary: c.binary }) + '\n');
  };

  const wanted = env['DOJO_TERRAFORM'];
  if (wanted === 'terraform' || wanted === 'tofu') {
    const pick = all.find((c) => c.flavor === wanted);
    if (!pick) throw new TerraformNotFoundError(wanted);
    remember(pick);
    return choice(pick, `chosen by DOJO_TERRAFORM=${wanted}`);
  }

  const recorded = readChoice(file);
  const kept = recorded ? all.find((c) => c.flavor === recorded.flavor) : undefined;
  if (kept) {
    return choice(
      kept,
      `kept from this lab's first sandbox${all.some((c) => c !== kept) ? `; set DOJO_TERRAFORM=${other(kept)} and restart the sandbox to switch` : ''}`,
    );
  }
  const pick = all[0];
  if (!pick) throw new TerraformNotFoundError('terraform or tofu');
  remember(pick);
  const alternative = all.some((c) => c !== pick) ? `; DOJO_TERRAFORM=${other(pick)} chooses the other one` : '';
  return recorded
    ? choice(pick, `this lab used ${recorded.flavor} (${recorded.binary}), which is no longer installed`, ': ')
    : choice(pick, `found first${alternative}. This lab keeps it from now on`);
}
