/**
 * Sandbox "aws-emulator": an AWS API on loopback for labs that need S3 and DynamoDB but no
 * Kubernetes. Without a container engine it runs a `moto_server` process; every AWS client the
 * learner or a check uses is pointed at it through AWS_ENDPOINT_URL with dummy credentials, so
 * nothing can reach a real AWS account (Terraform's s3 backend and the AWS CLI both honour it).
 */
import { MotoServer } from '../src/sandbox/moto-server.ts';
import { detectTerraformCli } from '../src/sandbox/terraform-cli.ts';
import { toolEnv } from '../src/sandbox/which.ts';
import type { Sandbox, SandboxStartOptions, StartedSandbox } from '../src/sandbox/sandbox.ts';

const awsEmulator: Sandbox = {
  id: 'aws-emulator',
  title: 'AWS emulator (moto_server)',
  async start(options: SandboxStartOptions): Promise<StartedSandbox> {
    const report = options.onProgress ?? (() => undefined);
    report({ phase: 'find-tools', message: 'Looking for terraform or tofu', percent: 5 });
    const cli = await detectTerraformCli(undefined, process.env);
    report({ phase: 'start-emulator', message: 'Starting moto_server on 127.0.0.1', percent: 20 });
    const moto = await new MotoServer().start();
    report({ phase: 'ready', message: `moto_server answering at ${moto.endpoint}`, percent: 100 });
    const env: Record<string, string> = {
      PATH: toolEnv().PATH ?? '',
      AWS_ENDPOINT_URL: moto.endpoint,
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
      pids: moto.pid === undefined ? [] : [moto.pid],
      services: {
        'AWS emulator': `moto_server at ${moto.endpoint}`,
        Terraform: `${cli.flavor} ${cli.version} (${cli.binary})`,
      },
      stop: () => moto.stop(),
      [Symbol.asyncDispose]: () => moto.stop(),
    };
  },
};

export default awsEmulator;
