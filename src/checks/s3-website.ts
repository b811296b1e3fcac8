/**
 * `s3.website`: a bucket serves a static website through the emulator's website endpoint: the
 * index document at `/`, and the error document (with a 404) for a page that does not exist.
 * Requests go to 127.0.0.1 with the `<bucket>.s3-website...` Host header (no DNS needed), which
 * LocalStack routes to its website handler. moto does not serve website endpoints: on moto this
 * check stops with an explanation rather than failing the learner.
 */
import { z } from 'zod';
import { checkBase } from './check-base.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { getWithHost, websiteRequest, type WebsiteResponse } from '../sandbox/localstack.ts';
import { CheckEnvironmentError, defineCheck } from './check-kind.ts';

const schema = strictFields({
  kind: z.literal('s3.website'),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      error: 'expected an S3 bucket name (3–63 lower-case letters, digits, dots, dashes)',
    })
    .describe('The bucket whose website endpoint is requested.'),
  indexContains: z.string().optional().describe('Text the index document must contain (e.g. the page title).'),
  missingPath: z
    .string()
    .startsWith('/')
    .default('/no-such-page.html')
    .describe('A path that must not exist, to see the error document.'),
  errorContains: z
    .string()
    .optional()
    .describe('Text the error document must contain; omit to only require that an error document is served.'),
  ...checkBase,
});

export type S3WebsiteOptions = z.output<typeof schema>;

/** A response or why there was none. */
export type Fetched = WebsiteResponse | { error: string };

const snippet = (body: string) => JSON.stringify(body.replace(/\s+/g, ' ').trim().slice(0, 100));

/** LocalStack's answer when the bucket has no website configuration (code NoSuchWebsiteConfiguration). */
function websiteProblem(body: string): string | null {
  const code = /<li>Code: ([A-Za-z]+)<\/li>|<Code>([A-Za-z]+)<\/Code>/.exec(body);
  return code ? (code[1] ?? code[2] ?? null) : null;
}

/** Judges the two requests. Pure: the unit tests give it captured LocalStack answers. */
export function judgeS3Website(o: S3WebsiteOptions, index: Fetched, missing: Fetched): Assertion[] {
  const site = `the website of bucket ${o.bucket}`;
  const out: Assertion[] = [];
  if ('error' in index) {
    return [
      {
        ok: false,
        expected: `${site} answers GET /`,
        found: `no answer: ${index.error}`,
        message: `${site} did not answer: ${index.error}`,
        hint: 'Is the lab sandbox (LocalStack) running?',
      },
    ];
  }
  const indexOk = index.status === 200;
  const code = indexOk ? null : websiteProblem(index.body);
  out.push({
    ok: indexOk,
    expected: `GET / on ${site} answers 200 with the index document`,
    found: `HTTP ${index.status}${code ? ` ${code}` : ''}${indexOk ? '' : `: ${snippet(index.body)}`}`,
    message: indexOk
      ? `${site} serves its index document`
      : `${site} answers HTTP ${index.status}${code ? ` (${code})` : ''} at /`,
    ...(indexOk
      ? {}
      : {
          hint:
            o.hint ??
            (code === 'NoSuchBucket'
              ? `The bucket ${o.bucket} does not exist on the emulator: terraform apply, and check the bucket name.`
              : code === 'NoSuchWebsiteConfiguration'
                ? 'The bucket has no website configuration: add an aws_s3_bucket_website_configuration with index_document { suffix = "index.html" } and apply.'
                : code === 'NoSuchKey'
                  ? 'The index document is not in the bucket: upload index.html (aws_s3_object with key = "index.html") and apply.'
                  : 'Check the website configuration and that index.html is uploaded.'),
        }),
  });
  if (indexOk && o.indexContains !== undefined) {
    const ok = index.body.includes(o.indexContains);
    out.push({
      ok,
      expected: `the index document contains ${JSON.stringify(o.indexContains)}`,
      found: ok ? 'it does' : `it starts ${snippet(index.body)}`,
      message: ok
        ? `${site} shows ${JSON.stringify(o.indexContains)}`
        : `${site} does not show ${JSON.stringify(o.indexContains)}`,
      ...(ok
        ? {}
        : { hint: o.hint ?? 'Change index.html (and its content_type "text/html"), apply, and check again.' }),
    });
  }
  if ('error' in missing) {
    out.push({
      ok: false,
      expected: `GET ${o.missingPath} answers 404`,
      found: `no answer: ${missing.error}`,
      message: `${site} did not answer for ${o.missingPath}`,
    });
    return out;
  }
  const code404 = websiteProblem(missing.body);
  // With an error document configured, S3 answers 404 with that document's body; without one,
  // with its own "404 Not Found" page naming NoSuchKey.
  const servedErrorDoc = missing.status === 404 && code404 === null;
  out.push({
    ok: servedErrorDoc,
    expected: `GET ${o.missingPath} answers 404 with the bucket's error document`,
    found: `HTTP ${missing.status}${code404 ? ` with the emulator's own ${code404} page` : ''}: ${snippet(missing.body)}`,
    message: servedErrorDoc
      ? `${site} serves its error document for missing pages`
      : missing.status === 404
        ? `${site} answers 404 for ${o.missingPath} but not with an error document`
        : `${site} answers HTTP ${missing.status} for ${o.missingPath}, expected 404`,
    ...(servedErrorDoc
      ? {}
      : {
          hint:
            o.hint ?? 'Set error_document { key = "error.html" } in the website configuration and upload error.html.',
        }),
  });
  if (servedErrorDoc && o.errorContains !== undefined) {
    const ok = missing.body.includes(o.errorContains);
    out.push({
      ok,
      expected: `the error document contains ${JSON.stringify(o.errorContains)}`,
      found: ok ? 'it does' : `it starts ${snippet(missing.body)}`,
      message: ok
        ? `the error document shows ${JSON.stringify(o.errorContains)}`
        : `the error document does not show ${JSON.stringify(o.errorContains)}`,
      ...(ok ? {} : { hint: o.hint ?? 'Change error.html, apply, and check again.' }),
    });
  }
  return out;
}

async function fetchSite(endpoint: string, bucket: string, path: string): Promise<Fetched> {
  const { url, host } = websiteRequest(endpoint, bucket, path);
  try {
    return await getWithHost(url, host);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export const s3Website = defineCheck({
  kind: 's3.website',
  title: 'A bucket serves a static website: the index document at /, the error document for missing pages.',
  schema,
  example: { kind: 's3.website', bucket: 'team-site', indexContains: 'Spring sale', errorContains: 'Page not found' },
  async run(o, ctx) {
    const endpoint = ctx.env['AWS_ENDPOINT_URL'];
    if (!endpoint) {
      throw new CheckEnvironmentError(
        'expected AWS_ENDPOINT_URL in the sandbox environment, found it unset.',
        'Start the lab sandbox, then check again.',
      );
    }
    const kind = ctx.env['DOJO_AWS_EMULATOR_KIND'];
    if (kind && kind !== 'localstack') {
      throw new CheckEnvironmentError(
        `this check needs LocalStack's website endpoint, but the sandbox runs ${kind}, which stores website configuration without serving it.`,
        'Start a Docker or Podman engine and restart the lab, so the sandbox runs LocalStack.',
      );
    }
    const [index, missing] = await ctx.observations.memo(`s3-website:${endpoint}:${o.bucket}:${o.missingPath}`, () =>
      Promise.all([fetchSite(endpoint, o.bucket, '/'), fetchSite(endpoint, o.bucket, o.missingPath)]),
    );
    return judgeS3Website(o, index, missing);
  },
});
