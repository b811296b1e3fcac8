/**
 * LocalStack 4.14.0 as a host process (no container engine): it starts with only the services a
 * lab needs, answers the S3 API, and serves a bucket's website endpoint (index document with 200,
 * error document with 404), so `s3.website` is graded for real here. Stopping it ends the process.
 */
import { CreateBucketCommand, PutBucketWebsiteCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Observations } from '../../src/checks/observations.ts';
import { s3Website } from '../../src/checks/s3-website.ts';
import { startAwsEmulator, type StartedAwsEmulator } from '../../src/sandbox/aws-emulator.ts';
import { localStackPython } from '../../src/sandbox/localstack-process.ts';
import { processInfo } from '../../src/sandbox/process-table.ts';
import { emulatorClients } from '../helpers/aws-clients.ts';
import { listeningAddresses } from '../../src/sandbox/listening-sockets.ts';
import { requireLocalStackProcess } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = await tempDir('localstack-process');
let ls: StartedAwsEmulator | undefined;
const recorded: number[] = [];

beforeAll(async () => {
  if (!localStackPython() && process.env['CI'] !== 'true') return;
  ls = await startAwsEmulator({
    provider: 'process',
    needsWebsite: true,
    services: ['s3', 'sts'],
    dataDir: dir.path,
    onProcess: (c) => recorded.push(c.pid),
  });
}, 180_000);

afterAll(async () => {
  await ls?.stop();
  await dir[Symbol.asyncDispose]();
});

type Assertion = { ok: boolean; message: string; found: string };
async function website(options: Record<string, unknown>): Promise<Assertion[]> {
  const env = {
    AWS_ENDPOINT_URL: ls!.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    DOJO_AWS_EMULATOR_KIND: 'localstack',
  };
  return (await s3Website.run(
    s3Website.schema.parse({ kind: 's3.website', ...options }) as never,
    { workspace: dir.path, env, observations: new Observations(), signal: new AbortController().signal } as never,
  )) as Assertion[];
}

describe('LocalStack as a host process', () => {
  it('is chosen for website labs without Docker, recorded, and listens on loopback only', (ctx) => {
    requireLocalStackProcess(ctx);
    expect(ls!.kind).toBe('localstack-process');
    expect(ls!.servesWebsites).toBe(true);
    expect(ls!.description).toMatch(/^LocalStack 4\.14\.0 \(host process, pid \d+\) at http:\/\/127\.0\.0\.1:\d+$/);
    expect(recorded).toEqual(ls!.pids);
    const addresses = listeningAddresses(recorded[0] ?? 0);
    expect(addresses.length).toBeGreaterThan(0);
    for (const a of addresses) expect(a.address).toMatch(/^(127\.0\.0\.1|::ffff:127\.0\.0\.1)$/);
  });

  it('serves a bucket website: s3.website fails before the pages exist and passes after', async (ctx) => {
    requireLocalStackProcess(ctx);
    const { s3 } = emulatorClients(ls!.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'team-site' }));
    const before = await website({
      bucket: 'team-site',
      indexContains: 'Northwind Coffee',
      errorContains: 'Page not found',
    });
    expect(before.some((a) => !a.ok)).toBe(true);

    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: 'team-site',
        WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } },
      }),
    );
    for (const [key, body] of [
      ['index.html', '<h1>Northwind Coffee</h1>'],
      ['error.html', '<h1>Page not found</h1>'],
    ] as const) {
      await s3.send(new PutObjectCommand({ Bucket: 'team-site', Key: key, Body: body, ContentType: 'text/html' }));
    }
    const index = await ls!.websiteFetch('team-site', '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('Northwind Coffee');
    const missing = await ls!.websiteFetch('team-site', '/nope.html');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('Page not found');
    const after = await website({
      bucket: 'team-site',
      indexContains: 'Northwind Coffee',
      errorContains: 'Page not found',
    });
    expect(after.filter((a) => !a.ok)).toEqual([]);
  });

  it('stops its process', async (ctx) => {
    requireLocalStackProcess(ctx);
    const pid = recorded[0] ?? 0;
    await ls!.stop();
    expect(processInfo(pid)).toBeNull();
    ls = undefined;
  });
});
