import {
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { expected } from '../shared/ids.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { emulatorDown, emulatorEndpoint, isNotFound, s3For } from './evidence/aws-clients.ts';

const schema = strictFields({
  kind: z.literal('s3.bucket'),
  bucket: z.string().describe('Bucket name in the emulator.'),
  versioning: z
    .enum(['Enabled', 'Suspended', 'Disabled'], {
      error: expected('expected "versioning" to be Enabled, Suspended or Disabled (never enabled)'),
    })
    .optional()
    .describe('The bucket versioning status; Disabled means versioning was never turned on.'),
  tags: z.record(z.string(), z.string()).optional().describe('Tags the bucket must carry, as a map of key: value.'),
  publicAccessBlock: z
    .boolean()
    .optional()
    .describe('All four public-access-block settings on (true) or not required (false).'),
  website: strictFields({
    indexDocument: z.string().optional().describe('The index document suffix, e.g. index.html.'),
    errorDocument: z.string().optional().describe('The error document key, e.g. error.html.'),
  })
    .optional()
    .describe('The static website configuration of the bucket.'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export interface BucketEvidence {
  exists: boolean;
  versioning?: string;
  tags?: Record<string, string>;
  publicAccessBlock?: Record<string, boolean | undefined> | null;
  website?: { indexDocument?: string | undefined; errorDocument?: string | undefined } | null;
}

export function judgeBucket(o: Options, ev: BucketEvidence): Assertion[] {
  const b = `s3://${o.bucket}`;
  const out: Assertion[] = [
    {
      ok: ev.exists,
      expected: `bucket ${b} exists`,
      found: ev.exists ? 'it exists' : 'no such bucket in the emulator',
      message: ev.exists ? `bucket ${b} exists` : `bucket ${b} not found in the emulator`,
      hint:
        o.hint ??
        'Check the bucket name (buckets are global; a typo creates another one) and that it was created against the emulator.',
    },
  ];
  if (!ev.exists) return out;
  if (o.versioning) {
    const found = ev.versioning ?? 'Disabled';
    out.push({
      ok: found === o.versioning,
      expected: `versioning ${o.versioning}`,
      found: `versioning ${found === 'Disabled' ? 'never enabled' : found}`,
      message:
        found === o.versioning
          ? `${b} versioning is ${found}`
          : `${b}: expected versioning ${o.versioning}, found ${found === 'Disabled' ? 'never enabled' : found}`,
      hint:
        o.hint ??
        (o.versioning === 'Disabled'
          ? 'Versioning cannot be turned off once enabled (only suspended): use a bucket that never had it.'
          : `aws s3api put-bucket-versioning --bucket ${o.bucket} --versioning-configuration Status=${o.versioning}`),
    });
  }
  for (const [k, v] of Object.entries(o.tags ?? {})) {
    const got = ev.tags?.[k];
    out.push({
      ok: got === v,
      expected: `tag ${k}=${v}`,
      found: got === undefined ? `no tag ${k}` : `tag ${k}=${got}`,
      message:
        got === v
          ? `${b} has tag ${k}=${v}`
          : `${b}: expected tag ${k}=${v}, found ${got === undefined ? 'none' : got}`,
      hint: o.hint ?? 'Set the tag on the bucket (tags argument) and apply.',
    });
  }
  if (o.publicAccessBlock !== undefined) {
    const pab = ev.publicAccessBlock;
    const all =
      !!pab &&
      ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].every(
        (k) => pab[k] === true,
      );
    out.push({
      ok: all === o.publicAccessBlock,
      expected: o.publicAccessBlock ? 'public access fully blocked' : 'public access not fully blocked',
      found: pab ? JSON.stringify(pab) : 'no public access block',
      message:
        all === o.publicAccessBlock ? 'public access block as expected' : `${b}: public access block not as expected`,
      hint:
        o.hint ??
        (o.publicAccessBlock
          ? 'Turn on all four settings with an aws_s3_bucket_public_access_block resource (block_public_acls, block_public_policy, ignore_public_acls, restrict_public_buckets = true).'
          : 'Public access is fully blocked: relax the aws_s3_bucket_public_access_block settings this bucket needs (a website bucket must allow a public policy).'),
    });
  }
  if (o.website) {
    const w = ev.website;
    for (const field of ['indexDocument', 'errorDocument'] as const) {
      const want = o.website[field];
      if (want === undefined) continue;
      const got = w?.[field];
      out.push({
        ok: got === want,
        expected: `website ${field} ${want}`,
        found: w ? `website ${field} ${got ?? 'not set'}` : 'no website configuration',
        message:
          got === want
            ? `${b} website ${field} is ${want}`
            : `${b}: expected website ${field} ${want}, found ${w ? (got ?? 'not set') : 'no website configuration'}`,
        hint:
          o.hint ??
          'Configure the website with aws_s3_bucket_website_configuration (index_document, error_document) and apply.',
      });
    }
  }
  return out;
}

async function optional<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (isNotFound(err) || /NoSuch|NotFound/.test(e.name ?? '')) return null;
    throw err;
  }
}

export async function gatherBucket(s3: S3Client, o: Options, signal: AbortSignal): Promise<BucketEvidence> {
  const opt = { abortSignal: signal };
  const head = await optional(s3.send(new HeadBucketCommand({ Bucket: o.bucket }), opt));
  if (head === null) return { exists: false };
  const ev: BucketEvidence = { exists: true };
  if (o.versioning)
    ev.versioning = (await s3.send(new GetBucketVersioningCommand({ Bucket: o.bucket }), opt)).Status ?? 'Disabled';
  if (o.tags) {
    const t = await optional(s3.send(new GetBucketTaggingCommand({ Bucket: o.bucket }), opt));
    ev.tags = Object.fromEntries((t?.TagSet ?? []).map((x) => [x.Key ?? '', x.Value ?? '']));
  }
  if (o.publicAccessBlock !== undefined) {
    const p = await optional(s3.send(new GetPublicAccessBlockCommand({ Bucket: o.bucket }), opt));
    ev.publicAccessBlock = p?.PublicAccessBlockConfiguration ? { ...p.PublicAccessBlockConfiguration } : null;
  }
  if (o.website) {
    const w = await optional(s3.send(new GetBucketWebsiteCommand({ Bucket: o.bucket }), opt));
    ev.website = w ? { indexDocument: w.IndexDocument?.Suffix, errorDocument: w.ErrorDocument?.Key } : null;
  }
  return ev;
}

export const s3Bucket = defineCheck({
  kind: 's3.bucket',
  title: 'An S3 bucket in the emulator: exists, versioning, tags, public access block, website configuration.',
  schema,
  example: { kind: 's3.bucket', bucket: 'dojo-tfstate', versioning: 'Enabled' },
  async run(o, ctx) {
    try {
      return judgeBucket(o, await gatherBucket(s3For(ctx.env), o, ctx.signal));
    } catch (err) {
      throw emulatorDown(err, emulatorEndpoint(ctx.env, 'S3')) ?? err;
    }
  },
});
