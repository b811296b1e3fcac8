/**
 * Sandbox "aws-emulator": an AWS API on loopback for labs that need S3 and DynamoDB but no
 * Kubernetes. It prefers a `moto_server` process (starts in about a second, no image to pull, and
 * honours both DynamoDB locks and the S3 conditional writes behind use_lockfile, tested); without
 * moto_server it uses LocalStack in a container when an engine answers (DOJO_AWS_EMULATOR picks
 * explicitly). Every AWS client the learner or a check uses is pointed at it through
 * AWS_ENDPOINT_URL with dummy credentials, so nothing can reach a real AWS account (Terraform's s3
 * backend and the AWS CLI both honour it).
 */
import { startAwsEmulator } from '../src/sandbox/aws-emulator.ts';
import path from 'node:path';
import { chooseTerraformCli } from '../src/sandbox/terraform-cli.ts';
import { toolEnv, which } from '../src/sandbox/which.ts';
import type { Sandbox, SandboxStartOptions, StartedSandbox } from '../src/sandbox/sandbox.ts';
import type { SandboxProvides } from '../src/sandbox/sandbox-provides.ts';

/** What labs may rely on (validated against a lab's `requires` when it loads). */
export const provides = {
  env: {
    PATH: 'your PATH, then the tools scripts/toolchain.sh installed in .toolchain/',
    AWS_ENDPOINT_URL: 'the emulator, e.g. http://127.0.0.1:41234 (the aws CLI, SDKs and the s3 backend use it)',
    AWS_ACCESS_KEY_ID: 'test (dummy credentials: nothing can reach a real account)',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1 (also AWS_DEFAULT_REGION)',
    AWS_CONFIG_FILE: '/dev/null, so no real profile is read (also AWS_SHARED_CREDENTIALS_FILE)',
    TF: "the terraform or tofu binary: DOJO_TERRAFORM=terraform|tofu chooses; else the one the lab's first sandbox used while it is installed; else tofu first",
    DOJO_TERRAFORM: 'which flavour $TF is: terraform or tofu',
    CHECKPOINT_DISABLE: '1 (no version check calls home)',
  },
  tools: ['git', 'terraform-or-tofu', 'aws-cli', 'conftest', 'kubeconform'],
  services: { 'aws-emulator': 'moto_server (or LocalStack in a container) on 127.0.0.1: S3, DynamoDB, STS, IAM' },
} satisfies SandboxProvides;

const awsEmulator: Sandbox = {
  id: 'aws-emulator',
  title: 'AWS emulator (moto_server, or LocalStack in a container)',
  async start(options: SandboxStartOptions): Promise<StartedSandbox> {
    const report = options.onProgress ?? (() => undefined);
    report({ phase: 'find-tools', message: 'Looking for terraform or tofu', percent: 5 });
    // Per lab and sticky: installing tofu later does not switch a lab begun with terraform.
    const { cli, reason } = await chooseTerraformCli({
      dojoHome: options.dojoHome,
      lab: path.basename(options.workspace),
    });
    report({ phase: 'start-emulator', message: 'Starting the AWS emulator on 127.0.0.1', percent: 20 });
    const emulator = await startAwsEmulator({
      ...(process.env['DOJO_AWS_EMULATOR'] ? {} : { prefer: which('moto_server') ? 'moto-process' : 'auto' }),
      services: ['s3', 'dynamodb', 'sts', 'iam'],
      sandboxId: 'aws-emulator',
      // moto_server records every request here and replays them at the next start.
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      onProgress: (message) => report({ phase: 'start-emulator', message, percent: 50 }),
    });
    report({ phase: 'ready', message: `${emulator.description}`, percent: 100 });
    const env: Record<string, string> = {
      PATH: toolEnv().PATH ?? '',
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      // Shared config/credential files could name real profiles; the lab never needs them.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      TF: cli.binary,
      DOJO_TERRAFORM: cli.flavor,
      TF_IN_AUTOMATION: '',
      CHECKPOINT_DISABLE: '1',
    };
    return {
      id: 'aws-emulator',
      env,
      pids: [...emulator.pids],
      services: {
        'AWS emulator': emulator.description,
        Terraform: `${cli.flavor} ${cli.version} (${cli.binary})`,
        'Terraform choice': reason,
      },
      persistence: emulator.persistence,
      stop: () => emulator.stop(),
      [Symbol.asyncDispose]: () => emulator.stop(),
    };
  },
};

export default awsEmulator;
