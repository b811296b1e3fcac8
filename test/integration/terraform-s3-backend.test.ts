/**
 * Proves the toolchain is real: terraform/tofu keep state in an S3 backend on moto_server, and a
 * second apply is refused while the first holds the lock, for each locking mode the binary has.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { MotoServer, type StartedMotoServer } from '../../src/sandbox/moto-server.ts';
import { detectTerraformClis, type TerraformCli } from '../../src/sandbox/terraform-cli.ts';
import { emulatorClients } from '../helpers/aws-clients.ts';
import { missingTool, recordMissing, requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const MAIN_TF = `
terraform {
  backend "s3" {}
}

variable "hold_seconds" {
  type    = number
  default = 0
}

variable "run" {
  type    = string
  default = "first"
}

resource "terraform_data" "vpc" {
  input = { cidr = "10.40.0.0/16", owner = "platform" }
}

resource "terraform_data" "subnet" {
  for_each = toset(["a", "b"])
  input    = { az = "us-east-1\${each.key}", vpc = terraform_data.vpc.output.cidr }
}

# Holds the state lock for hold_seconds while it "creates": the stand-in for a slow apply.
resource "terraform_data" "slow" {
  triggers_replace = var.run
  provisioner "local-exec" {
    command = "sleep \${var.hold_seconds}"
  }
}
`;

type LockMode = 'dynamodb' | 'lockfile';

let moto: StartedMotoServer | undefined;
let clis: TerraformCli[] = [];

beforeAll(async () => {
  if (process.env['CI'] === 'true' || (await import('../../src/sandbox/which.ts')).which('moto_server')) {
    moto = await new MotoServer().start();
  }
  clis = await detectTerraformClis();
  if (!clis.some((c) => c.flavor === 'tofu')) recordMissing('tofu');
  if (!clis.some((c) => c.flavor === 'terraform')) recordMissing('terraform');
});

afterAll(async () => {
  await moto?.stop();
});

let bucketCounter = 0;

async function workspace(cli: TerraformCli, mode: LockMode) {
  if (!moto) throw new Error('moto_server is not running');
  const { s3, dynamodb } = emulatorClients(moto.endpoint);
  const bucket = `dojo-tfstate-${cli.flavor}-${mode}-${++bucketCounter}`;
  const table = `dojo-locks-${bucketCounter}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  if (mode === 'dynamodb') {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  const dir = await tempDir(`tf-${cli.flavor}-${mode}`);
  const key = 'platform/network.tfstate';
  await writeFile(path.join(dir.path, 'main.tf'), MAIN_TF);
  await writeFile(
    path.join(dir.path, 'backend.hcl'),
    [
      `bucket = "${bucket}"`,
      `key    = "${key}"`,
      `region = "us-east-1"`,
      `endpoints = { s3 = "${moto.endpoint}", dynamodb = "${moto.endpoint}" }`,
      `use_path_style = true`,
      `skip_credentials_validation = true`,
      `skip_requesting_account_id = true`,
      `skip_metadata_api_check = true`,
      `skip_region_validation = true`,
      mode === 'dynamodb' ? `dynamodb_table = "${table}"` : `use_lockfile = true`,
    ].join('\n'),
  );
  const env = {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const run = (args: string[]) => cli.run(args, { cwd: dir.path, env });
  const init = await run(['init', '-backend-config=backend.hcl', '-no-color']);
  expect(init.stderr, init.stdout).toBe('');
  expect(init.exitCode).toBe(0);
  const readState = async () => {
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await obj.Body!.transformToString()) as { serial: number; lineage: string; resources: unknown[] };
  };
  const lockHeld = async (): Promise<boolean> => {
    if (mode === 'dynamodb') {
      const scan = await dynamodb.send(new ScanCommand({ TableName: table }));
      // The table also holds the state's MD5 digest item (LockID ending in -md5); the lock is the other one.
      return (scan.Items ?? []).some((item) => !item['LockID']?.S?.endsWith('-md5'));
    }
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${key}.tflock` }));
      return true;
    } catch {
      return false;
    }
  };
  return { dir, run, readState, lockHeld, bucket, key };
}

const modesFor = (cli: TerraformCli): LockMode[] => (cli.supportsLockfile ? ['dynamodb', 'lockfile'] : ['dynamodb']);

describe.each(['tofu', 'terraform'] as const)('%s with an S3 backend on moto_server', (flavor) => {
  for (const mode of ['dynamodb', 'lockfile'] as const) {
    it(`stores state in the bucket and refuses a concurrent apply (${mode} locking)`, async (ctx) => {
      requireTool(ctx, 'moto_server');
      const cli = clis.find((c) => c.flavor === flavor);
      if (!cli) {
        if (flavor === 'terraform') {
          // terraform is optional everywhere: OpenTofu is the CLI the toolchain provides.
          ctx.skip('terraform not installed (optional; tofu covers the same path)');
        }
        missingTool(ctx, flavor);
      }
      if (!modesFor(cli).includes(mode)) ctx.skip(`${flavor} ${cli.version} has no use_lockfile`);

      const ws = await workspace(cli, mode);
      await using _dir = ws.dir;

      const first = await ws.run(['apply', '-auto-approve', '-no-color']);
      expect(first.exitCode, first.stderr).toBe(0);
      const state1 = await ws.readState();
      expect(state1.serial).toBeGreaterThanOrEqual(1);
      const pulled = JSON.parse((await ws.run(['state', 'pull'])).stdout) as { serial: number; lineage: string };
      expect(pulled).toMatchObject({ serial: state1.serial, lineage: state1.lineage });
      expect(await ws.lockHeld()).toBe(false);

      // A slow apply holds the lock; a second one with no wait must be refused, not interleaved.
      const slow = ws.run(['apply', '-auto-approve', '-no-color', '-var=hold_seconds=8', '-var=run=second']);
      await vi.waitFor(
        async () => {
          expect(await ws.lockHeld()).toBe(true);
        },
        { timeout: 30_000, interval: 100 },
      );
      const refused = await ws.run(['apply', '-auto-approve', '-no-color', '-lock-timeout=0s', '-var=run=third']);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/Error acquiring the state lock/);
      expect(refused.stderr).toMatch(/Lock Info:[\s\S]*ID:\s+\S+/);

      const second = await slow;
      expect(second.exitCode, second.stderr).toBe(0);
      const state2 = await ws.readState();
      expect(state2.lineage).toBe(state1.lineage);
      expect(state2.serial).toBeGreaterThan(state1.serial);
      expect(await ws.lockHeld()).toBe(false);

      // The refused apply changed nothing: the run it asked for never reached the state.
      const show = JSON.parse((await ws.run(['show', '-json'])).stdout) as {
        values: { root_module: { resources: { address: string; values: { triggers_replace: unknown } }[] } };
      };
      const slowRes = show.values.root_module.resources.find((r) => r.address === 'terraform_data.slow');
      expect(slowRes?.values.triggers_replace).toBe('second');
      expect(show.values.root_module.resources.map((r) => r.address).sort()).toEqual([
        'terraform_data.slow',
        'terraform_data.subnet["a"]',
        'terraform_data.subnet["b"]',
        'terraform_data.vpc',
      ]);
    });
  }
});
