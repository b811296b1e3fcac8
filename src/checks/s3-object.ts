import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { emulatorDown, emulatorEndpoint, isNotFound, s3For } from './evidence/aws-clients.ts';

const schema = strictFields({
  kind: z.literal('s3.object'),
  bucket: z.string().describe('Bucket name in the emulator.'),
  key: z.string().describe('Object key, e.g. platform/network.tfstate.'),
  exists: z.boolean().default(true).describe('true (default): the object exists; false: it does not.'),
  contains: z.string().optional().describe("The object's content contains this text."),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export interface ObjectEvidence {
  bucketExists: boolean;
  /** Keys in the bucket (first few), to say what is there instead. */
  keys: string[];
  body: string | null;
}

export function judgeObject(o: Options, ev: ObjectEvidence): Assertion[] {
  const where = `s3://${o.bucket}/${o.key}`;
  const present = ev.body !== null;
  const context = !ev.bucketExists
    ? 'the bucket does not exist'
    : `bucket has ${ev.keys.length} object(s)${ev.keys.length ? `: ${ev.keys.slice(0, 5).join(', ')}` : ''}`;
  const out: Assertion[] = [
    {
      ok: present === o.exists,
      expected: o.exists ? `object ${where}` : `no object ${where}`,
      found: present ? 'it exists' : `not found (${context})`,
      message:
        present === o.exists
          ? present
            ? `${where} exists`
            : `${where} is absent`
          : present
            ? `${where} exists but should not`
            : `${where} not found in the emulator (${context})`,
      hint:
        o.hint ??
        (o.exists
          ? 'Check the bucket and key you configured (key paths are case-sensitive) and that the write happened (apply / init -migrate-state).'
          : `Delete ${where}.`),
    },
  ];
  if (present && o.contains !== undefined) {
    const ok = (ev.body ?? '').includes(o.contains);
    out.push({
      ok,
      expected: `${where} contains ${JSON.stringify(o.contains)}`,
      found: ok
        ? 'it does'
        : `it does not (${(ev.body ?? '').length} bytes, starts ${JSON.stringify((ev.body ?? '').slice(0, 60))})`,
      message: ok ? `${where} has the expected content` : `${where} does not contain ${JSON.stringify(o.contains)}`,
      hint: o.hint ?? 'Upload the right content and check again.',
    });
  }
  return out;
}

export const s3Object = defineCheck({
  kind: 's3.object',
  title: 'An object in an emulator bucket exists (or not), optionally containing some text.',
  schema,
  example: { kind: 's3.object', bucket: 'dojo-tfstate', key: 'platform/network.tfstate', contains: '"lineage"' },
  async run(o, ctx) {
    const s3 = s3For(ctx.env);
    const opt = { abortSignal: ctx.signal };
    try {
      let body: string | null = null;
      try {
        const obj = await s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key }), opt);
        body = (await obj.Body?.transformToString()) ?? '';
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      let keys: string[] = [];
      let bucketExists = true;
      if (body === null) {
        try {
          const list = await s3.send(new ListObjectsV2Command({ Bucket: o.bucket, MaxKeys: 20 }), opt);
          keys = (list.Contents ?? []).map((c) => c.Key ?? '');
        } catch (err) {
          if (!isNotFound(err)) throw err;
          bucketExists = false;
        }
      }
      return judgeObject(o, { bucketExists, keys, body });
    } catch (err) {
      throw emulatorDown(err, emulatorEndpoint(ctx.env, 'S3')) ?? err;
    }
  },
});
