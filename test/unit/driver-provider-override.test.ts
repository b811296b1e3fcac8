/**
 * Contract of the tflocal-equivalent override: the settings it writes, the services it finds in a
 * configuration, and that the file is valid, canonically formatted HCL for the real terraform or
 * tofu on this machine (`fmt -check` parses it without needing the aws provider).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  OVERRIDE_FILE,
  awsProviderAliases,
  providerOverrideHcl,
  servicesUsed,
  writeProviderOverride,
} from '../../src/sandbox/provider-override.ts';
import { which } from '../../src/sandbox/which.ts';
import { missingTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const SITE_TF = `
resource "aws_s3_bucket" "site" {
  bucket = "team-site"
}

resource "aws_s3_bucket_website_configuration" "site" {
  bucket = aws_s3_bucket.site.id
}

resource "aws_dynamodb_table" "locks" {
  name = "locks"
}

resource "aws_cloudwatch_log_group" "edge" {
  name = "/team-site/edge"
}

data "aws_caller_identity" "me" {}
`;

describe('provider override (what tflocal writes, in TypeScript)', () => {
  it('writes dummy credentials, the skips, path-style S3, the region and one endpoint per service', () => {
    const hcl = providerOverrideHcl(
      { endpoint: 'http://127.0.0.1:4566/', region: 'us-east-1' },
      servicesUsed([SITE_TF]),
    );
    expect(hcl).toContain('provider "aws" {');
    for (const line of [
      'region                      = "us-east-1"',
      'access_key                  = "test"',
      'secret_key                  = "test"',
      'skip_credentials_validation = true',
      'skip_metadata_api_check     = true',
      'skip_requesting_account_id  = true',
      's3_use_path_style           = true',
    ]) {
      expect(hcl).toContain(`  ${line}\n`);
    }
    const endpoints = /endpoints \{\n([\s\S]*?)\n {2}\}/
      .exec(hcl)?.[1]
      ?.split('\n')
      .map((l) => l.trim());
    expect(endpoints).toEqual([
      'dynamodb = "http://127.0.0.1:4566"',
      'iam      = "http://127.0.0.1:4566"',
      'logs     = "http://127.0.0.1:4566"',
      's3       = "http://127.0.0.1:4566"',
      'sts      = "http://127.0.0.1:4566"',
    ]);
  });

  it('finds services from resource and data types, and always covers s3, sts and iam', () => {
    expect(servicesUsed([''])).toEqual(['iam', 's3', 'sts']);
    expect(servicesUsed([SITE_TF])).toEqual(['dynamodb', 'iam', 'logs', 's3', 'sts']);
    expect(
      servicesUsed([
        'resource "aws_sqs_queue" "q" {}\nresource "aws_vpc" "main" {}\nresource "aws_unknownthing_x" "y" {}',
      ]),
    ).toEqual(['ec2', 'iam', 's3', 'sqs', 'sts']);
  });

  it('overrides aliased providers too (Terraform rejects an override of an alias it does not know)', () => {
    const aliases = awsProviderAliases([
      'provider "aws" {\n  region = "us-east-1"\n}\n\nprovider "aws" {\n  alias  = "replica"\n  region = "eu-west-1"\n}\n',
    ]);
    expect(aliases).toEqual(['replica']);
    const hcl = providerOverrideHcl({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', aliases });
    expect(hcl.match(/provider "aws" \{/g)).toHaveLength(2);
    expect(hcl).toContain('  alias                       = "replica"\n');
  });

  it('refuses a bad endpoint or region with the field and the fix', () => {
    expect(() => providerOverrideHcl({ endpoint: 'localhost', region: 'us-east-1' })).toThrow(
      /endpoint: expected "endpoint" to be the emulator URL/,
    );
    expect(() => providerOverrideHcl({ endpoint: 'http://127.0.0.1:4566', region: 'mars' })).toThrow(
      /region: expected an AWS region such as us-east-1/,
    );
  });

  it('writes dojo_override.tf that the real terraform/tofu parses and finds canonically formatted', async (ctx) => {
    const cli = which('tofu') ?? which('terraform') ?? missingTool(ctx, 'tofu');
    await using dir = await tempDir('override');
    await writeFile(path.join(dir.path, 'main.tf'), SITE_TF);
    await writeFile(
      path.join(dir.path, 'providers.tf'),
      'provider "aws" {\n  alias  = "replica"\n  region = "eu-west-1"\n}\n',
    );
    const { file, services } = await writeProviderOverride(dir.path, {
      endpoint: 'http://127.0.0.1:45123',
      region: 'eu-central-1',
    });
    expect(file).toBe(path.join(dir.path, OVERRIDE_FILE));
    expect(services).toEqual(['dynamodb', 'iam', 'logs', 's3', 'sts']);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# Written by GitOps Dojo/);
    expect(text).toContain('alias                       = "replica"');
    const fmt = await execa(cli, ['fmt', '-check', '-diff', '-no-color', OVERRIDE_FILE], {
      cwd: dir.path,
      reject: false,
      env: { ...process.env, TF_CLI_CONFIG_FILE: '' },
    });
    expect(fmt.exitCode, `${fmt.stdout}\n${fmt.stderr}`).toBe(0);
  });
});
