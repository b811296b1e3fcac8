import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import { expected } from '../shared/ids.ts';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck, type CheckContext } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { backendOf, stateLocation, type BackendInfo } from './evidence/terraform-evidence.ts';
import { lockingOf } from './terraform-backend.ts';
import { dynamodbFor, emulatorDown, emulatorEndpoint, isNotFound, s3For } from './evidence/aws-clients.ts';

const schema = strictFields({
  kind: z.literal('terraform.lock'),
  state: z
    .enum(['free', 'held'], { error: expected('expected "state" to be free or held') })
    .describe('free: nobody holds the state lock; held: someone does (and who is reported).'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export const lockInfoSchema = z
  .object({
    ID: z.string(),
    Operation: z.string().optional(),
    Who: z.string().optional(),
    Version: z.string().optional(),
    Created: z.string().optional(),
  })
  .loose();
export type LockInfo = z.infer<typeof lockInfoSchema>;

export interface LockEvidence {
  configured: { dynamodb: string | null; lockfile: boolean };
  /** Locks found, by mechanism. */
  held: { mechanism: 'dynamodb' | 'lockfile'; info: LockInfo | null }[];
}

function describe(l: LockEvidence['held'][number]): string {
  const i = l.info;
  if (!i) return `a ${l.mechanism} lock with unreadable info`;
  return `${l.mechanism} lock ID ${i.ID} (${i.Operation ?? 'operation?'} by ${i.Who ?? 'someone'} at ${i.Created ?? 'an unknown time'})`;
}

/** Pure judgement over the lock evidence. */
export function judgeLock(o: Options, backend: BackendInfo, ev: LockEvidence): Assertion[] {
  const location = stateLocation(backend);
  if (backend.type !== 's3' || (!ev.configured.dynamodb && !ev.configured.lockfile)) {
    return [
      {
        ok: false,
        expected: `state locking configured for ${location}`,
        found:
          backend.type !== 's3' ? `backend "${backend.type}"` : 'no dynamodb_table and no use_lockfile in the backend',
        message: 'state locking is not configured, so there is no lock to inspect',
        hint:
          o.hint ??
          'Configure locking in the backend (use_lockfile = true or dynamodb_table) and run init -reconfigure.',
      },
    ];
  }
  const held = ev.held.length > 0;
  const ok = o.state === 'held' ? held : !held;
  return [
    {
      ok,
      expected: o.state === 'held' ? `a lock held on ${location}` : `no lock held on ${location}`,
      found: held ? ev.held.map(describe).join('; ') : 'no lock held',
      message: held ? `state is locked: ${ev.held.map(describe).join('; ')}` : `no lock is held on ${location}`,
      hint:
        o.hint ??
        (o.state === 'free'
          ? 'Read the lock info (plan prints it), make sure the process that took it is gone, then run force-unlock with that exact ID.'
          : 'Start an operation that takes the lock.'),
    },
  ];
}

async function gatherLocks(ctx: CheckContext, backend: BackendInfo): Promise<LockEvidence> {
  const configured = lockingOf(backend);
  const held: LockEvidence['held'] = [];
  const bucket = String(backend.config['bucket']);
  const key = String(backend.config['key']);
  const parse = (text: string | undefined): LockInfo | null => {
    try {
      const r = lockInfoSchema.safeParse(JSON.parse(text ?? ''));
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  };
  try {
    if (configured.lockfile) {
      try {
        const obj = await s3For(ctx.env).send(new GetObjectCommand({ Bucket: bucket, Key: `${key}.tflock` }), {
          abortSignal: ctx.signal,
        });
        held.push({ mechanism: 'lockfile', info: parse(await obj.Body?.transformToString()) });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (configured.dynamodb) {
      const item = await dynamodbFor(ctx.env).send(
        new GetItemCommand({
          TableName: configured.dynamodb,
          Key: { LockID: { S: `${bucket}/${key}` } },
          ConsistentRead: true,
        }),
        { abortSignal: ctx.signal },
      );
      if (item.Item) held.push({ mechanism: 'dynamodb', info: parse(item.Item['Info']?.S) });
    }
  } catch (err) {
    const down = emulatorDown(err, emulatorEndpoint(ctx.env, 'S3'));
    if (down) throw down;
    throw err;
  }
  return { configured, held };
}

export const terraformLock = defineCheck({
  kind: 'terraform.lock',
  title: 'Whether the S3 backend state lock (DynamoDB item or S3 lockfile) is held or free, with who holds it.',
  schema,
  example: { kind: 'terraform.lock', state: 'free' },
  async run(o, ctx) {
    const backend = await backendOf(ctx);
    const evidence =
      backend.type === 's3'
        ? await gatherLocks(ctx, backend)
        : { configured: { dynamodb: null, lockfile: false }, held: [] };
    return judgeLock(o, backend, evidence);
  },
});
