/**
 * Points the hashicorp/aws provider at the sandbox's emulator, the way `tflocal` does, written in
 * TypeScript: a `dojo_override.tf` next to the learner's configuration.
 *
 * Why an override file: Terraform merges `*_override.tf` into the blocks of the same header, so the
 * learner's own `provider "aws"` block stays as they wrote it, and a missing one is fine (Terraform
 * allows overriding an absent *default* provider configuration; an aliased one must exist, which is
 * why aliases are taken from the learner's files). Credentials are the dummy `test`/`test`, and
 * every endpoint the configuration uses points at the emulator, so nothing can reach real AWS
 * (LocalStack issue 8607 is the cautionary tale: a backend that silently wrote to live AWS).
 *
 * The file is regenerated on every sandbox start (the endpoint's port changes), says so in its
 * first line, and belongs in .gitignore (the lab starters list it).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseWithFriendlyErrors } from '../shared/friendly-error.ts';

export const OVERRIDE_FILE = 'dojo_override.tf';

/**
 * Endpoint keys of the aws provider that the override always sets. sts and iam are asked by the
 * provider itself (caller identity, account id) even when no resource uses them.
 */
const ALWAYS = ['s3', 'sts', 'iam'] as const;

/**
 * Resource-type prefix → provider endpoint key, for the services whose prefix is not the key itself.
 * Anything else uses the first word after `aws_` when it is a known key.
 */
const PREFIX_TO_ENDPOINT: Record<string, string> = {
  aws_cloudwatch_log: 'logs',
  aws_cloudwatch_event: 'events',
  aws_cloudwatch: 'cloudwatch',
  aws_api_gateway: 'apigateway',
  aws_apigatewayv2: 'apigatewayv2',
  aws_lambda: 'lambda',
  aws_secretsmanager: 'secretsmanager',
  aws_ssm: 'ssm',
  aws_kms: 'kms',
  aws_route53: 'route53',
  aws_sfn: 'sfn',
  aws_kinesis: 'kinesis',
  aws_ecr: 'ecr',
  aws_acm: 'acm',
  // aws_vpc, aws_subnet, aws_security_group, aws_instance... are all EC2 API calls.
  aws_vpc: 'ec2',
  aws_subnet: 'ec2',
  aws_security_group: 'ec2',
  aws_instance: 'ec2',
  aws_internet_gateway: 'ec2',
  aws_route_table: 'ec2',
  aws_eip: 'ec2',
};

/** The endpoint keys the override can set; also accepted in `services`. */
export const knownServices = [
  'acm',
  'apigateway',
  'apigatewayv2',
  'cloudformation',
  'cloudwatch',
  'dynamodb',
  'ec2',
  'ecr',
  'events',
  'iam',
  'kinesis',
  'kms',
  'lambda',
  'logs',
  'route53',
  's3',
  'secretsmanager',
  'sfn',
  'sns',
  'sqs',
  'ssm',
  'sts',
] as const;

export const providerOverrideOptionsSchema = z.strictObject({
  /** The emulator's base URL, e.g. http://127.0.0.1:4566. */
  endpoint: z.url({ error: 'expected "endpoint" to be the emulator URL, e.g. http://127.0.0.1:4566' }),
  /** AWS region the learner's resources live in. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region such as us-east-1' }),
  /** Extra endpoint keys to set besides the ones detected from the configuration. */
  services: z.array(z.enum(knownServices)).default([]),
  /** Aliases of `provider "aws"` blocks to override as well (found in the workspace when writing). */
  aliases: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/)).default([]),
});

export type ProviderOverrideOptions = z.input<typeof providerOverrideOptionsSchema>;

/** The endpoint keys a configuration uses, from its `resource`/`data` types, plus the ones always set. */
export function servicesUsed(sources: string[]): string[] {
  const found = new Set<string>(ALWAYS);
  const typeRe = /^\s*(?:resource|data)\s+"(aws_[a-z0-9_]+)"/gm;
  for (const source of sources) {
    for (const match of source.matchAll(typeRe)) {
      const type = match[1] ?? '';
      const prefix = Object.keys(PREFIX_TO_ENDPOINT)
        .filter((p) => type === p || type.startsWith(`${p}_`))
        .sort((a, b) => b.length - a.length)[0];
      const mapped = prefix ? PREFIX_TO_ENDPOINT[prefix] : undefined;
      if (mapped) {
        found.add(mapped);
        continue;
      }
      const word = type.slice('aws_'.length).split('_')[0] ?? '';
      if ((knownServices as readonly string[]).includes(word)) found.add(word);
    }
  }
  return [...found].sort();
}

/** Aliases of the learner's `provider "aws"` blocks (each needs its own override block). */
export function awsProviderAliases(sources: string[]): string[] {
  const aliases = new Set<string>();
  for (const source of sources) {
    for (const start of source.matchAll(/^\s*provider\s+"aws"\s*\{/gm)) {
      // Walk to the matching brace: provider blocks are small and the nesting shallow.
      let depth = 0;
      let end = start.index;
      for (let i = start.index; i < source.length; i++) {
        if (source[i] === '{') depth++;
        else if (source[i] === '}' && --depth === 0) {
          end = i;
          break;
        }
      }
      const body = source.slice(start.index, end);
      const alias = /^\s*alias\s*=\s*"([^"]+)"/m.exec(body)?.[1];
      if (alias) aliases.add(alias);
    }
  }
  return [...aliases].sort();
}

/** The text of `dojo_override.tf`: one block per provider configuration, canonical `terraform fmt` layout. */
export function providerOverrideHcl(
  options: ProviderOverrideOptions,
  detectedServices: string[] = [...ALWAYS],
): string {
  const o = parseWithFriendlyErrors(providerOverrideOptionsSchema, options, 'provider override options');
  const endpoint = o.endpoint.replace(/\/+$/, '');
  const services = [...new Set([...detectedServices, ...o.services])].sort();
  const width = Math.max(...services.map((s) => s.length));
  const block = (alias: string | null) =>
    [
      'provider "aws" {',
      ...(alias ? [`  alias                       = "${alias}"`] : []),
      `  region                      = "${o.region}"`,
      '  access_key                  = "test"',
      '  secret_key                  = "test"',
      '  skip_credentials_validation = true',
      '  skip_metadata_api_check     = true',
      '  skip_requesting_account_id  = true',
      '  s3_use_path_style           = true',
      '',
      '  endpoints {',
      ...services.map((s) => `    ${s.padEnd(width)} = "${endpoint}"`),
      '  }',
      '}',
    ].join('\n');
  const header = [
    '# Written by GitOps Dojo on every sandbox start: it points the aws provider at the local emulator',
    '# so this lab can never reach a real AWS account. Do not edit; it is regenerated (and git-ignored).',
  ].join('\n');
  return `${header}\n\n${[null, ...o.aliases].map(block).join('\n\n')}\n`;
}

/** The `.tf` files of a directory (not recursive: modules get their provider from the root). */
async function readTfSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const files = entries.filter((f) => f.endsWith('.tf') && f !== OVERRIDE_FILE).sort();
  return Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
}

/**
 * Writes `dojo_override.tf` into `dir` for the services its configuration uses, and returns the
 * file's path and the services it covers. Call it again after the learner adds resources of a new
 * service; today the gitops sandbox writes it once at start (s3, sts and iam are always covered).
 */
export async function writeProviderOverride(
  dir: string,
  options: ProviderOverrideOptions,
): Promise<{ file: string; services: string[] }> {
  const sources = await readTfSources(dir);
  const aliases = [...new Set([...(options.aliases ?? []), ...awsProviderAliases(sources)])];
  const services = servicesUsed(sources);
  const text = providerOverrideHcl({ ...options, aliases }, services);
  const file = path.join(dir, OVERRIDE_FILE);
  await writeFile(file, text);
  return { file, services: [...new Set([...services, ...(options.services ?? [])])].sort() };
}
