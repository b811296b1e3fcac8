/**
 * s3.*, dynamodb.item and terraform.lock against a real moto_server; git.commit on a real
 * repository; http.get on a real local server; command on a real shell. Plus the emulator-down
 * path: a check whose emulator stopped answering reports `error` with what to do.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Observations } from '../../src/checks/observations.ts';
import { s3Bucket } from '../../src/checks/s3-bucket.ts';
import { s3Object } from '../../src/checks/s3-object.ts';
import { dynamodbItem } from '../../src/checks/dynamodb-item.ts';
import { terraformLock } from '../../src/checks/terraform-lock.ts';
import { gitCommit } from '../../src/checks/git-commit.ts';
import { httpGet } from '../../src/checks/http-get.ts';
import { command } from '../../src/checks/command.ts';
import { CheckEnvironmentError } from '../../src/checks/check-kind.ts';
import { MotoServer, type StartedMotoServer } from '../../src/sandbox/moto-server.ts';
import { which } from '../../src/sandbox/which.ts';
import { emulatorClients } from '../helpers/aws-clients.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let moto: StartedMotoServer | undefined;
beforeAll(async () => {
  if (which('moto_server') || process.env['CI'] === 'true') moto = await new MotoServer().start();
});
afterAll(async () => {
  await moto?.stop();
});

type Check = { schema: { parse: (x: unknown) => unknown }; run: (o: never, c: never) => Promise<unknown> };
const run = (check: Check, options: unknown, workspace: string, env: NodeJS.ProcessEnv) =>
  check.run(
    check.schema.parse(options) as never,
    { workspace, env, observations: new Observations(), signal: new AbortController().signal } as never,
  ) as Promise<{ ok: boolean; message: string; found: string; expected: string; hint?: string }[]>;

function awsEnv(): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: moto!.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  };
}

describe('AWS check kinds on moto_server', () => {
  it('s3.bucket: existence, versioning and website configuration', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const { s3 } = emulatorClients(moto!.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'team-state' }));
    const before = await run(
      s3Bucket,
      { kind: 's3.bucket', bucket: 'team-state', versioning: 'Enabled' },
      '/',
      awsEnv(),
    );
    expect(before.map((a) => a.ok)).toEqual([true, false]);
    expect(before[1]).toMatchObject({
      found: 'versioning never enabled',
      hint: expect.stringContaining('put-bucket-versioning'),
    });
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'team-state', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    expect(
      (await run(s3Bucket, { kind: 's3.bucket', bucket: 'team-state', versioning: 'Enabled' }, '/', awsEnv())).every(
        (a) => a.ok,
      ),
    ).toBe(true);
    const missing = await run(
      s3Bucket,
      { kind: 's3.bucket', bucket: 'team-stat', website: { indexDocument: 'index.html' } },
      '/',
      awsEnv(),
    );
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ ok: false, message: 'bucket s3://team-stat not found in the emulator' });
    const site = await run(
      s3Bucket,
      { kind: 's3.bucket', bucket: 'team-state', website: { indexDocument: 'index.html' } },
      '/',
      awsEnv(),
    );
    expect(site[1]).toMatchObject({ ok: false, found: 'no website configuration' });
  });

  it('s3.object: existence, content, and what is there instead', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const { s3 } = emulatorClients(moto!.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'objs' }));
    await s3.send(new PutObjectCommand({ Bucket: 'objs', Key: 'platform/network.tfstate', Body: '{"lineage":"abc"}' }));
    expect(
      (
        await run(
          s3Object,
          { kind: 's3.object', bucket: 'objs', key: 'platform/network.tfstate', contains: 'lineage' },
          '/',
          awsEnv(),
        )
      ).every((a) => a.ok),
    ).toBe(true);
    const wrongKey = await run(
      s3Object,
      { kind: 's3.object', bucket: 'objs', key: 'Platform/network.tfstate' },
      '/',
      awsEnv(),
    );
    expect(wrongKey[0]).toMatchObject({
      ok: false,
      found: 'not found (bucket has 1 object(s): platform/network.tfstate)',
    });
    const noBucket = await run(s3Object, { kind: 's3.object', bucket: 'nope', key: 'x' }, '/', awsEnv());
    expect(noBucket[0]?.found).toBe('not found (the bucket does not exist)');
  });

  it('dynamodb.item and terraform.lock read a DynamoDB lock row with its holder', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const { dynamodb } = emulatorClients(moto!.endpoint);
    const noTable = await run(
      dynamodbItem,
      { kind: 'dynamodb.item', table: 'locks', key: { LockID: 'b/k' } },
      '/',
      awsEnv(),
    );
    expect(noTable[0]).toMatchObject({ ok: false, message: 'DynamoDB table locks not found' });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'locks',
        KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const info = {
      ID: '5c8f1f0e-aaaa-bbbb-cccc-000000000001',
      Operation: 'OperationTypeApply',
      Who: 'ci@runner-7',
      Version: '1.12.6',
      Created: '2026-11-20T10:00:00Z',
      Path: 'b/k',
    };
    await dynamodb.send(
      new PutItemCommand({ TableName: 'locks', Item: { LockID: { S: 'b/k' }, Info: { S: JSON.stringify(info) } } }),
    );
    expect(
      (await run(dynamodbItem, { kind: 'dynamodb.item', table: 'locks', key: { LockID: 'b/k' } }, '/', awsEnv()))[0]
        ?.ok,
    ).toBe(true);

    await using ws = await tempDir('lock');
    await mkdir(path.join(ws.path, '.terraform'));
    await writeFile(
      path.join(ws.path, '.terraform', 'terraform.tfstate'),
      JSON.stringify({
        version: 3,
        backend: { type: 's3', config: { bucket: 'b', key: 'k', dynamodb_table: 'locks', use_lockfile: null } },
      }),
    );
    const free = await run(terraformLock, { kind: 'terraform.lock', state: 'free' }, ws.path, awsEnv());
    expect(free[0]).toMatchObject({
      ok: false,
      found:
        'dynamodb lock ID 5c8f1f0e-aaaa-bbbb-cccc-000000000001 (OperationTypeApply by ci@runner-7 at 2026-11-20T10:00:00Z)',
    });
    expect((await run(terraformLock, { kind: 'terraform.lock', state: 'held' }, ws.path, awsEnv()))[0]?.ok).toBe(true);
  });

  it('reports an emulator that is down as an environment error that says what to do', async (ctx) => {
    requireTool(ctx, 'moto_server');
    const down = await new MotoServer().start();
    const env = { ...awsEnv(), AWS_ENDPOINT_URL: down.endpoint };
    await down.stop();
    const err = await run(s3Bucket, { kind: 's3.bucket', bucket: 'x' }, '/', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckEnvironmentError);
    expect((err as CheckEnvironmentError).message).toMatch(
      /expected the AWS emulator to answer at http:\/\/127\.0\.0\.1:\d+; found it not answering/,
    );
    expect((err as CheckEnvironmentError).hint).toMatch(/Start sandbox/);
    const noEndpoint = await run(s3Bucket, { kind: 's3.bucket', bucket: 'x' }, '/', {}).catch((e: unknown) => e);
    expect((noEndpoint as Error).message).toMatch(/found no AWS_ENDPOINT_URL/);
  });
});

describe('git.commit, http.get and command', () => {
  it('git.commit judges a real repository', async (ctx) => {
    requireTool(ctx, 'git');
    await using ws = await tempDir('git');
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@e',
    };
    const notRepo = await run(gitCommit, { kind: 'git.commit', minCommits: 1 }, ws.path, env);
    expect(notRepo[0]).toMatchObject({ ok: false, found: 'not a Git repository' });
    const git = (...a: string[]) => execa('git', a, { cwd: ws.path, env });
    await git('init', '-q', '-b', 'main');
    await writeFile(path.join(ws.path, 'backend.tf'), 'terraform {}\n');
    await git('add', 'backend.tf');
    await git('commit', '-q', '-m', 'Enable state versioning');
    await writeFile(path.join(ws.path, 'backend.tf'), 'terraform { }\n');
    const r = await run(
      gitCommit,
      {
        kind: 'git.commit',
        messageMatches: 'versioning',
        paths: ['backend.tf', 'main.tf'],
        clean: true,
        minCommits: 1,
      },
      ws.path,
      env,
    );
    expect(r.map((a) => a.ok)).toEqual([true, true, true, false, false]);
    expect(r[4]?.found).toBe('uncommitted: backend.tf');
  });

  it('http.get sends the Host header and judges status and body', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(req.headers.host === 'team-site.s3-website.localhost' ? 200 : 404);
      res.end(
        req.headers.host === 'team-site.s3-website.localhost'
          ? '<h1>Welcome to the payments team</h1>'
          : 'NoSuchBucket',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const env = { SITE: `http://127.0.0.1:${port}` };
      const ok = await run(
        httpGet,
        { kind: 'http.get', url: '${SITE}/index.html', host: 'team-site.s3-website.localhost', contains: 'Welcome' },
        '/',
        env,
      );
      expect(ok.every((a) => a.ok)).toBe(true);
      const wrongHost = await run(
        httpGet,
        { kind: 'http.get', url: '${SITE}/', host: 'other.s3-website.localhost' },
        '/',
        env,
      );
      expect(wrongHost[0]).toMatchObject({ ok: false, found: 'HTTP 404' });
      const unset = await run(httpGet, { kind: 'http.get', url: '${NOPE}/' }, '/', env).catch((e: unknown) => e);
      expect((unset as Error).message).toMatch(/expected NOPE in the sandbox environment/);
    } finally {
      server.close();
    }
  });

  it('command runs in the workspace with the sandbox environment', async () => {
    await using ws = await tempDir('cmd');
    await writeFile(path.join(ws.path, 'plan.txt'), 'No changes.');
    const env = { PATH: process.env['PATH'], TEAM: 'payments' };
    expect(
      (
        await run(
          command,
          { kind: 'command', run: 'grep -q "No changes" plan.txt && echo "$TEAM"', stdoutContains: 'payments' },
          ws.path,
          env,
        )
      ).every((a) => a.ok),
    ).toBe(true);
    const failed = await run(
      command,
      { kind: 'command', run: 'echo boom >&2; exit 3', describe: 'the plan is clean' },
      ws.path,
      env,
    );
    expect(failed[0]).toMatchObject({
      ok: false,
      message: 'the plan is clean: expected exit 0, found 3',
      found: 'exit code 3: boom',
    });
  });
});
