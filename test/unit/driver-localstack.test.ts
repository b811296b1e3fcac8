/**
 * Contract of the LocalStack driver and the s3.website check: the container settings (image pin,
 * override, token passthrough), health parsing (LocalStack 4.14.0's shape), exit 55 in plain
 * words, and website requests sent to 127.0.0.1 with the virtual-host Host header, served here by
 * a stand-in that answers as LocalStack's website handler does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCALSTACK_IMAGE,
  LocalStackExitError,
  explainLocalStackExit,
  getWithHost,
  localStackSettings,
  parseLocalStackHealth,
  servicesNotReady,
  websiteRequest,
} from '../../src/sandbox/localstack.ts';
import { judgeS3Website, s3Website, type S3WebsiteOptions } from '../../src/checks/s3-website.ts';
import { Observations } from '../../src/checks/observations.ts';
import { CheckEnvironmentError } from '../../src/checks/check-kind.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');

describe('LocalStack settings', () => {
  it('pins 4.14.0, the last image that runs without an account', () => {
    expect(DEFAULT_LOCALSTACK_IMAGE).toBe('localstack/localstack:4.14.0');
    const s = localStackSettings({ env: {} });
    expect(s.image).toBe('localstack/localstack:4.14.0');
    expect(s.environment).toEqual({ SERVICES: 's3,sts,iam', DISABLE_EVENTS: '1' });
    expect(s.labels['dev.gitops-dojo.sandbox']).toBe('aws-emulator');
    expect(s.labels['dev.gitops-dojo.owner-pid']).toBe(String(process.pid));
  });

  it('takes DOJO_LOCALSTACK_IMAGE and passes LOCALSTACK_AUTH_TOKEN through', () => {
    const s = localStackSettings({
      env: { DOJO_LOCALSTACK_IMAGE: 'localstack/localstack:2026.11.0', LOCALSTACK_AUTH_TOKEN: 'ls-abc' },
      services: ['s3'],
    });
    expect(s.image).toBe('localstack/localstack:2026.11.0');
    expect(s.environment).toEqual({ SERVICES: 's3', DISABLE_EVENTS: '1', LOCALSTACK_AUTH_TOKEN: 'ls-abc' });
  });
});

describe('LocalStack health', () => {
  it('is ready when every wanted service is available or running', async () => {
    const ready = parseLocalStackHealth(JSON.parse(await captured('localstack-health.4.14.0-ready.json')));
    expect(ready.version).toBe('4.14.0');
    expect(servicesNotReady(ready, ['s3', 'sts', 'iam'])).toEqual([]);
    expect(servicesNotReady(ready, ['s3', 'dynamodb'])).toEqual(['dynamodb=disabled']);
    const starting = parseLocalStackHealth(JSON.parse(await captured('localstack-health.4.14.0-starting.json')));
    expect(servicesNotReady(starting, ['s3', 'sts', 'iam'])).toEqual(['s3=starting', 'sts=starting']);
  });

  it('rejects an answer that is not LocalStack, naming what it found', () => {
    expect(() => parseLocalStackHealth({ status: 'UP' })).toThrow(
      /expected LocalStack's health JSON .*found \{"status":"UP"\}/,
    );
  });
});

describe('LocalStack exit codes in plain words', () => {
  it('explains exit 55 (an image that needs an account) and how to fix it', async () => {
    const logs = (await captured('localstack-exit-55.log')).split('\n');
    const err = new LocalStackExitError(55, logs, 'localstack/localstack:latest');
    expect(err.message).toMatch(/stopped with exit code 55: this image needs a LocalStack account/);
    expect(err.message).toMatch(
      /unset DOJO_LOCALSTACK_IMAGE to use localstack\/localstack:4\.14\.0 .*or export LOCALSTACK_AUTH_TOKEN=/,
    );
    expect(err.exitCode).toBe(55);
    // The log alone is enough, whatever the code (some engines report 1 after a wrapper script).
    expect(explainLocalStackExit(1, logs, 'x').message).toMatch(/needs a LocalStack account/);
  });

  it('explains an OOM kill and shows the log tail for anything else', () => {
    expect(explainLocalStackExit(137, [], 'img').hint).toMatch(/more memory/);
    const other = explainLocalStackExit(3, ['line one', 'Traceback: boom'], 'img');
    expect(other.message).toContain('exit code 3');
    expect(other.message).toContain('Traceback: boom');
  });
});

/** Answers like LocalStack's website handler: routes on the Host header, never on DNS. */
let server: http.Server;
let endpoint = '';
const seen: string[] = [];
beforeAll(async () => {
  const nosuchkey = await captured('localstack-website.404-nosuchkey.html.txt');
  const noconfig = await captured('localstack-website.404-nosuchwebsiteconfiguration.html.txt');
  server = http.createServer((req, res) => {
    const host = req.headers.host ?? '';
    seen.push(host);
    const bucket = /^(.*)\.s3-website\./.exec(host)?.[1];
    if (bucket === 'team-site' && req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Northwind Coffee</h1>');
    } else if (bucket === 'team-site') {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Page not found</h1>');
    } else if (bucket === 'no-pages') {
      res.writeHead(404).end(nosuchkey);
    } else if (bucket === 'plain-bucket') {
      res.writeHead(404).end(noconfig);
    } else {
      res.writeHead(400).end('not a website host');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('website requests', () => {
  it('go to 127.0.0.1 with the <bucket>.s3-website Host header', async () => {
    const req = websiteRequest('http://localhost:4566', 'team-site', 'missing.html');
    expect(req).toEqual({
      url: 'http://127.0.0.1:4566/missing.html',
      host: 'team-site.s3-website.localhost.localstack.cloud:4566',
    });
    // A remote engine (DOCKER_HOST=tcp://10.0.0.5:2376) maps ports on its own address.
    expect(websiteRequest('http://10.0.0.5:32771', 'team-site').url).toBe('http://10.0.0.5:32771/');
    const { url, host } = websiteRequest(endpoint, 'team-site', '/');
    const res = await getWithHost(url, host);
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toBe(host);
  });
});

const opts = (o: Partial<S3WebsiteOptions> = {}): S3WebsiteOptions => ({
  kind: 's3.website',
  bucket: 'team-site',
  missingPath: '/no-such-page.html',
  ...o,
});

describe('s3.website check', () => {
  it('passes when the index and the error document are served', async () => {
    const ctx = {
      workspace: '/tmp',
      env: { AWS_ENDPOINT_URL: endpoint, DOJO_AWS_EMULATOR_KIND: 'localstack' },
      observations: new Observations(),
      signal: AbortSignal.timeout(10_000),
    };
    const result = await s3Website.run(
      opts({ indexContains: 'Northwind Coffee', errorContains: 'Page not found' }),
      ctx,
    );
    expect(result.map((a) => a.ok)).toEqual([true, true, true, true]);
  });

  it('names NoSuchWebsiteConfiguration and NoSuchKey with the fix (LocalStack 4.14.0 pages)', async () => {
    const noconfig = {
      status: 404,
      headers: {},
      body: await captured('localstack-website.404-nosuchwebsiteconfiguration.html.txt'),
    };
    const [index] = judgeS3Website(opts(), noconfig, noconfig);
    expect(index).toMatchObject({ ok: false, found: expect.stringMatching(/^HTTP 404 NoSuchWebsiteConfiguration/) });
    expect(index?.hint).toMatch(/aws_s3_bucket_website_configuration/);
    const nokey = { status: 404, headers: {}, body: await captured('localstack-website.404-nosuchkey.html.txt') };
    const [missingIndex, missingError] = judgeS3Website(opts(), nokey, nokey);
    expect(missingIndex?.hint).toMatch(/upload index\.html/);
    expect(missingError).toMatchObject({
      ok: false,
      message: expect.stringMatching(/404 .* but not with an error document/),
    });
    const nobucket = { status: 404, headers: {}, body: await captured('localstack-website.404-nosuchbucket.html.txt') };
    expect(judgeS3Website(opts(), nobucket, nobucket)[0]?.hint).toMatch(/does not exist on the emulator/);
  });

  it('fails on the wrong content, and on a missing page answered with 200', () => {
    const page = { status: 200, headers: {}, body: '<h1>Coming soon</h1>' };
    const r = judgeS3Website(opts({ indexContains: 'Northwind' }), page, page);
    expect(r.map((a) => a.ok)).toEqual([true, false, false]);
    expect(r[2]?.message).toMatch(/answers HTTP 200 for \/no-such-page\.html, expected 404/);
  });

  it('reports an emulator that does not answer, and refuses moto with a reason instead of failing the learner', async () => {
    expect(judgeS3Website(opts(), { error: 'connect ECONNREFUSED 127.0.0.1:1' }, { error: 'x' })[0]?.found).toMatch(
      /ECONNREFUSED/,
    );
    const ctx = {
      workspace: '/tmp',
      env: { AWS_ENDPOINT_URL: endpoint, DOJO_AWS_EMULATOR_KIND: 'moto-process' },
      observations: new Observations(),
      signal: AbortSignal.timeout(1000),
    };
    await expect(s3Website.run(opts(), ctx)).rejects.toBeInstanceOf(CheckEnvironmentError);
    await expect(s3Website.run(opts(), ctx)).rejects.toThrow(
      /needs LocalStack's website endpoint, but the sandbox runs moto-process/,
    );
  });

  it('validates its options and example', () => {
    expect(s3Website.schema.safeParse(s3Website.example).success).toBe(true);
    expect(s3Website.schema.safeParse({ kind: 's3.website', bucket: 'Team_Site' }).success).toBe(false);
  });
});
