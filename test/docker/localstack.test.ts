/**
 * LocalStack for real: the pinned image starts, answers its health endpoint, serves an S3 website
 * through the Host header, and the s3.website check passes on it; a token-less newer image is
 * reported as exit 55 in plain words.
 */
import { CreateBucketCommand, PutBucketWebsiteCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { startAwsEmulator } from '../../src/sandbox/aws-emulator.ts';
import { DEFAULT_LOCALSTACK_IMAGE, LocalStack, LocalStackExitError } from '../../src/sandbox/localstack.ts';
import { s3Website } from '../../src/checks/s3-website.ts';
import { Observations } from '../../src/checks/observations.ts';
import { emulatorClients } from '../helpers/aws-clients.ts';
import { requireEngine } from './engine.ts';

beforeAll(async () => {
  await requireEngine();
});

describe('LocalStack (real container)', () => {
  it('starts the pinned image, reports healthy services, and serves a bucket website', async () => {
    await using emulator = await startAwsEmulator({
      prefer: 'localstack',
      services: ['s3', 'sts', 'iam'],
      needsWebsite: true,
    });
    expect(emulator.kind).toBe('localstack');
    expect(emulator.description).toContain(DEFAULT_LOCALSTACK_IMAGE);
    const { s3 } = emulatorClients(emulator.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'team-site' }));
    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: 'team-site',
        WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'team-site',
        Key: 'index.html',
        Body: '<h1>Northwind Coffee</h1>',
        ContentType: 'text/html',
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'team-site',
        Key: 'error.html',
        Body: '<h1>Page not found</h1>',
        ContentType: 'text/html',
      }),
    );

    const index = await emulator.websiteFetch('team-site', '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('Northwind Coffee');
    const missing = await emulator.websiteFetch('team-site', '/nope.html');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('Page not found');

    const result = await s3Website.run(
      s3Website.schema.parse({
        kind: 's3.website',
        bucket: 'team-site',
        indexContains: 'Northwind',
        errorContains: 'Page not found',
      }),
      {
        workspace: '/tmp',
        env: { AWS_ENDPOINT_URL: emulator.endpoint, DOJO_AWS_EMULATOR_KIND: 'localstack' },
        observations: new Observations(),
        signal: AbortSignal.timeout(30_000),
      },
    );
    expect(result.filter((a) => !a.ok)).toEqual([]);
  });

  it('explains exit code 55 for an image that needs an account', async () => {
    const start = new LocalStack({ image: 'localstack/localstack:latest', env: {} }).start();
    const err = await start.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalStackExitError);
    expect((err as LocalStackExitError).exitCode).toBe(55);
    expect((err as Error).message).toMatch(/needs a LocalStack account/);
  });
});
