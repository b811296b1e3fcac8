import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import { expected } from '../shared/ids.ts';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { backendOf, type BackendInfo } from './evidence/terraform-evidence.ts';

const schema = strictFields({
  kind: z.literal('terraform.backend'),
  type: z
    .string({ error: 'expected "type": the backend type, e.g. s3 or local' })
    .describe('Backend type the last init recorded (.terraform/terraform.tfstate), e.g. s3 or local.'),
  bucket: z.string().optional().describe('s3 backend: the bucket.'),
  key: z.string().optional().describe('s3 backend: the object key of the state.'),
  region: z.string().optional().describe('s3 backend: the region.'),
  locking: z
    .enum(['dynamodb', 'lockfile', 'any'], { error: expected('expected "locking" to be dynamodb, lockfile or any') })
    .optional()
    .describe('dynamodb: a dynamodb_table is set; lockfile: use_lockfile = true; any: either one.'),
  dynamodbTable: z.string().optional().describe('The dynamodb_table must be exactly this table.'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export function lockingOf(backend: BackendInfo): { dynamodb: string | null; lockfile: boolean } {
  const table = backend.config['dynamodb_table'];
  return {
    dynamodb: typeof table === 'string' && table ? table : null,
    lockfile: backend.config['use_lockfile'] === true,
  };
}

/** Pure judgement over the backend `init` recorded. */
export function judgeBackend(o: Options, backend: BackendInfo): Assertion[] {
  const hint = o.hint;
  const out: Assertion[] = [
    {
      ok: backend.type === o.type,
      expected: `backend "${o.type}"`,
      found: backend.recorded
        ? `backend "${backend.type}" (recorded by the last init)`
        : 'no backend recorded by init (local state)',
      message:
        backend.type === o.type
          ? `backend is "${o.type}"`
          : `expected backend "${o.type}", found "${backend.type}" (the last init)`,
      hint:
        hint ??
        (o.type === 'local'
          ? 'Remove the backend block and run init -migrate-state so the state comes back to a local file.'
          : backend.recorded || !backend.type || backend.type === 'local'
            ? `Add backend "${o.type}" to the terraform block and run init -migrate-state so the state moves with it.`
            : `Change the backend block to "${o.type}" and run init -migrate-state.`),
    },
  ];
  if (backend.type !== o.type) return out;
  for (const field of ['bucket', 'key', 'region'] as const) {
    const want = o[field];
    if (want === undefined) continue;
    const got = backend.config[field];
    out.push({
      ok: got === want,
      expected: `${field} = "${want}"`,
      found: got === undefined || got === null ? `${field} not set` : `${field} = ${JSON.stringify(got)}`,
      message:
        got === want
          ? `backend ${field} is "${want}"`
          : `backend ${field}: expected "${want}", found ${JSON.stringify(got ?? null)}`,
      hint: hint ?? `Set ${field} = "${want}" in the backend block and run init -migrate-state (or -reconfigure).`,
    });
  }
  if (o.locking !== undefined) {
    const lock = lockingOf(backend);
    const has =
      o.locking === 'dynamodb'
        ? lock.dynamodb !== null
        : o.locking === 'lockfile'
          ? lock.lockfile
          : lock.dynamodb !== null || lock.lockfile;
    const found =
      [lock.dynamodb ? `dynamodb_table = "${lock.dynamodb}"` : null, lock.lockfile ? 'use_lockfile = true' : null]
        .filter(Boolean)
        .join(' and ') || 'no locking configured';
    const want =
      o.locking === 'dynamodb'
        ? 'dynamodb_table set'
        : o.locking === 'lockfile'
          ? 'use_lockfile = true'
          : 'dynamodb_table or use_lockfile = true';
    out.push({
      ok: has,
      expected: `state locking: ${want}`,
      found,
      message: has ? `state locking configured (${found})` : `expected state locking (${want}), found ${found}`,
      hint:
        hint ??
        'Add use_lockfile = true (Terraform 1.11+, OpenTofu 1.10+) or dynamodb_table to the backend block, then run init -reconfigure.',
    });
  }
  if (o.dynamodbTable !== undefined) {
    const table = lockingOf(backend).dynamodb;
    out.push({
      ok: table === o.dynamodbTable,
      expected: `dynamodb_table = "${o.dynamodbTable}"`,
      found: table ? `dynamodb_table = "${table}"` : 'no dynamodb_table',
      message:
        table === o.dynamodbTable
          ? `lock table is "${table}"`
          : `expected lock table "${o.dynamodbTable}", found ${table ? `"${table}"` : 'none'}`,
      hint: hint ?? `Set dynamodb_table = "${o.dynamodbTable}" in the backend block and run init -reconfigure.`,
    });
  }
  return out;
}

export const terraformBackend = defineCheck({
  kind: 'terraform.backend',
  title: 'The backend the workspace was initialised with: type, bucket, key, region and locking.',
  schema,
  example: {
    kind: 'terraform.backend',
    type: 's3',
    bucket: 'dojo-tfstate',
    key: 'platform/network.tfstate',
    locking: 'any',
  },
  async run(o, ctx) {
    return judgeBackend(o, await backendOf(ctx));
  },
});
