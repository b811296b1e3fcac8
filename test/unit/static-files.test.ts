import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding, resolveInside, serveNotFound, serveStatic } from '../../src/runner/static-files.ts';

const root = '/srv/dist';

describe('resolveInside', () => {
  it('maps ordinary paths into the root', () => {
    expect(resolveInside(root, '/')).toBe('/srv/dist');
    expect(resolveInside(root, '/labs/terraform-state/')).toBe('/srv/dist/labs/terraform-state');
    expect(resolveInside(root, '/_astro/app.js')).toBe('/srv/dist/_astro/app.js');
  });

  it.each([
    ['/../etc/passwd'],
    ['/%2e%2e/%2e%2e/etc/passwd'],
    ['/%252e%252e/etc/passwd'],
    ['/..%2fetc%2fpasswd'],
    ['/foo%00.html'],
    ['/..%5c..%5cetc'],
    ['/%E0%A4%A'],
  ])('never escapes the root for %s', (attack) => {
    const resolved = resolveInside(root, attack);
    expect(resolved === null || resolved.startsWith('/srv/dist/') || resolved === '/srv/dist').toBe(true);
    // `..` is clamped at the root: the worst case is a file *inside* dist named like the target.
    expect(resolved === null || !resolved.startsWith('/etc')).toBe(true);
  });
});

describe('chooseEncoding', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0', null],
    ['identity', null],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['BR;q=0.5', 'br'],
  ])('Accept-Encoding %j → %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });
});

describe('serveStatic and serveNotFound over HTTP', () => {
  let root: string;
  let server: http.Server;
  let origin: string;
  const js = 'export const terminal = "xterm";\n'.repeat(400);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'dojo-static-'));
    await mkdir(path.join(root, '_astro'));
    await writeFile(path.join(root, '_astro', 'app.js'), js);
    await writeFile(path.join(root, 'tiny.txt'), 'small');
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>home</title>' + '<p>x</p>'.repeat(300));
    server = http.createServer((req, res) => {
      void serveStatic(root, req, res).then((served) => (served ? undefined : serveNotFound(root, req, res)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  /** Raw bytes as sent (fetch would decode them): node's http client does not decompress. */
  function get(pathname: string, acceptEncoding?: string) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = http.get(
        `${origin}${pathname}`,
        { headers: acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
    });
  }

  it('sends brotli to a browser that accepts it, and the body decodes to the file', async () => {
    const r = await get('/_astro/app.js', 'gzip, deflate, br, zstd');
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['vary']).toBe('Accept-Encoding');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(js.length / 10);
    expect(zlib.brotliDecompressSync(r.body).toString()).toBe(js);
    expect(r.headers['cache-control']).toContain('immutable');
  });

  it('sends gzip when brotli is not accepted, and identity when nothing is', async () => {
    const gz = await get('/_astro/app.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(js);
    const plain = await get('/_astro/app.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(js);
  });

  it('leaves tiny files uncompressed', async () => {
    const r = await get('/tiny.txt', 'br');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.toString()).toBe('small');
  });

  it('serves the rebuilt file, not a stale compressed copy', async () => {
    await get('/index.html', 'br');
    const next = '<!doctype html><title>rebuilt</title>' + '<p>y</p>'.repeat(500);
    await writeFile(path.join(root, 'index.html'), next);
    const r = await get('/', 'br');
    expect(zlib.brotliDecompressSync(r.body).toString()).toBe(next);
  });

  it('answers an unknown path with the site 404 page and status 404', async () => {
    const missing = await get('/no/such/page', 'gzip');
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe('Not found\n');
    const page = '<!doctype html><html lang="en"><title>Not found</title>' + '<p>lost</p>'.repeat(200);
    await writeFile(path.join(root, '404.html'), page);
    const styled = await get('/no/such/page', 'gzip');
    expect(styled.status).toBe(404);
    expect(styled.headers['content-type']).toContain('text/html');
    expect(zlib.gunzipSync(styled.body).toString()).toBe(page);
  });
});
