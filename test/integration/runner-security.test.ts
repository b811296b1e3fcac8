/**
 * Attacks on the real runner over real sockets: every one must be refused. Raw TCP requests are
 * used where fetch would "fix" the attack first (path normalisation, a forged or missing Host).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestRunner, TOKEN, type TestRunner } from '../helpers/runner-harness.ts';

let t: TestRunner;
let port: number;
let origin: string;
let siteRoot: string;
const SECRET = 'top-secret-file-outside-dist';

beforeAll(async () => {
  // A real site folder with a secret right next to it: traversal must never reach it.
  siteRoot = await mkdtemp(path.join(os.tmpdir(), 'dojo-site-'));
  const distDir = path.join(siteRoot, 'dist');
  await mkdir(distDir);
  await writeFile(path.join(siteRoot, 'secret.txt'), SECRET);
  await writeFile(path.join(distDir, 'index.html'), '<!doctype html><title>ok</title><p>home</p>');
  t = await startTestRunner({ distDir });
  port = t.runner.port;
  origin = t.runner.origin;
});
afterAll(async () => {
  await t[Symbol.asyncDispose]();
  await rm(siteRoot, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes exactly as written and parses the response (HTTP/1.1, Connection: close). */
function raw(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

const get = (target: string, headers: Record<string, string> = {}) =>
  raw(
    `GET ${target} HTTP/1.1\r\n${Object.entries({ Host: `127.0.0.1:${port}`, Connection: 'close', ...headers })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`,
  );

/** Tries a WebSocket upgrade; resolves with 101 on success or the HTTP status of the refusal. */
function upgrade(headers: Record<string, string>, query = 'lab=sleepy-lab'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/terminal?${query}`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

const session = '/api/labs/sleepy-lab/session';

describe('token', () => {
  it('lets GET /api/health through without a token, and nothing else', async () => {
    expect((await fetch(`${origin}/api/health`)).status).toBe(200);
    expect((await fetch(`${origin}${session}`)).status).toBe(401);
    expect((await fetch(`${origin}/api/doctor`)).status).toBe(401);
    // Unknown API paths answer 401 too: no route discovery without the token.
    expect((await fetch(`${origin}/api/secret-admin`)).status).toBe(401);
  });

  it.each([
    ['a wrong bearer token', { Authorization: 'Bearer wrong-token' }],
    ['a prefix of the token', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token with a suffix', { Authorization: `Bearer ${TOKEN}x` }],
    ['Basic auth with the token', { Authorization: `Basic ${Buffer.from(`dojo:${TOKEN}`).toString('base64')}` }],
    ['a wrong cookie', { Cookie: 'dojo_token=wrong' }],
    ['the launch token as the session cookie', { Cookie: `dojo_session_4321=${TOKEN}` }],
    ['the token in another cookie', { Cookie: `token=${TOKEN}` }],
  ])('refuses %s with 401', async (_name, headers) => {
    const res = await fetch(`${origin}${session}`, { headers });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'missing or wrong token' });
  });

  it('does not accept the token in the query string of an API call', async () => {
    expect((await fetch(`${origin}${session}?token=${TOKEN}`)).status).toBe(401);
  });

  it('swaps ?token= for an HttpOnly SameSite=Strict cookie named after the port, and refuses a wrong one', async () => {
    const wrong = await fetch(`${origin}/?token=nope`, { redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await fetch(`${origin}/?token=${TOKEN}`, { redirect: 'manual' });
    expect(right.status).toBe(302);
    expect(right.headers.get('location')).toBe('/');
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^dojo_session_${port}=[^;]+; HttpOnly; SameSite=Strict; Path=/$`));
    expect((await fetch(`${origin}${session}`, { headers: { Cookie: cookie.split(';')[0]! } })).status).toBe(200);
  });

  // Issue 12, item 5: cookies are not port-scoped, so another local server gets them too.
  it('never puts the launch token in the cookie: a server on another port learns nothing reusable as a token', async () => {
    const right = await fetch(`${origin}/?token=${TOKEN}`, { redirect: 'manual' });
    const value = (right.headers.get('set-cookie') ?? '').split(';')[0]!.split('=')[1]!;
    expect(value).not.toContain(TOKEN);
    expect(decodeURIComponent(value)).not.toContain(TOKEN);
    // And the cookie's value is not a bearer token either.
    expect((await fetch(`${origin}${session}`, { headers: { Authorization: `Bearer ${value}` } })).status).toBe(401);
  });

  it('refuses the cookie on requests a browser marks as coming from another origin (a page on another port), GETs included', async () => {
    const right = await fetch(`${origin}/?token=${TOKEN}`, { redirect: 'manual' });
    const Cookie = (right.headers.get('set-cookie') ?? '').split(';')[0]!;
    for (const site of ['same-site', 'cross-site']) {
      const res = await fetch(`${origin}${session}`, { headers: { Cookie, 'Sec-Fetch-Site': site } });
      expect(res.status, `Sec-Fetch-Site: ${site}`).toBe(401);
    }
    for (const site of ['same-origin', 'none']) {
      expect((await fetch(`${origin}${session}`, { headers: { Cookie, 'Sec-Fetch-Site': site } })).status).toBe(200);
    }
  });

  it('never redirects off-site after the token swap (protocol-relative paths)', async () => {
    // "/.//evil.example/" normalises to the path "//evil.example/", which as a Location is another site.
    for (const target of [
      `//evil.example/?token=${TOKEN}`,
      `/\\evil.example/?token=${TOKEN}`,
      `/.//evil.example/?token=${TOKEN}`,
      `/./\\evil.example/?token=${TOKEN}`,
    ]) {
      const res = await get(target);
      expect(res.status).toBe(302);
      expect(res.headers['location']).toMatch(/^\/(?![/\\])/);
    }
  });
});

describe('Origin on state-changing requests', () => {
  it.each([
    ['a foreign Origin', 'http://evil.example'],
    ['the "null" Origin of a sandboxed iframe', 'null'],
    ['the same host on another port', 'http://127.0.0.1:1'],
    ['https instead of http', `https://127.0.0.1:${0}`],
  ])('refuses POST and DELETE with %s even with the token', async (_name, badOrigin) => {
    const o = badOrigin.replace(':0', `:${port}`);
    for (const method of ['POST', 'DELETE']) {
      const res = await fetch(`${origin}${session}`, {
        method,
        headers: { Authorization: `Bearer ${TOKEN}`, Origin: o },
      });
      expect(res.status).toBe(403);
    }
  });

  it('refuses a POST without Origin (raw request: browsers always send one on cross-site POSTs)', async () => {
    const res = await raw(
      `POST ${session} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(403);
  });

  it('sends no CORS headers, so other sites cannot read answers', async () => {
    const res = await fetch(`${origin}${session}`, {
      headers: { Authorization: `Bearer ${TOKEN}`, Origin: 'http://evil.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${origin}${session}`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.ok).toBe(false);
  });
});

describe('Host header (DNS rebinding)', () => {
  it.each([
    ['a foreign name', 'evil.example'],
    ['a rebinding name that resolves to loopback', '127.0.0.1.nip.io'],
    ['localhost without the port', 'localhost'],
    ['the right host with another port', '127.0.0.1:1'],
  ])('refuses %s for pages, API calls and upgrades', async (_name, host) => {
    const h = host.includes(':') || host === 'localhost' ? host : `${host}:${port}`;
    expect((await get('/', { Host: h })).status).toBe(403);
    expect((await get(session, { Host: h, Authorization: `Bearer ${TOKEN}` })).status).toBe(403);
    expect(await upgrade({ Host: h, Origin: `http://${h}`, Authorization: `Bearer ${TOKEN}` })).toBe(403);
  });

  it('refuses a request without a Host header', async () => {
    const res = await raw(`GET / HTTP/1.0\r\n\r\n`);
    expect(res.status).toBe(403);
  });

  it('accepts the loopback aliases of the bound address', async () => {
    expect((await get('/', { Host: `localhost:${port}` })).status).toBe(200);
    expect((await get('/', { Host: `127.0.0.1:${port}` })).status).toBe(200);
  });
});

describe('terminal WebSocket upgrade', () => {
  const auth = { Authorization: `Bearer ${TOKEN}` };
  it('refuses an upgrade without Origin, from a foreign Origin, or from a null Origin', async () => {
    expect(await upgrade({ ...auth })).toBe(403);
    expect(await upgrade({ ...auth, Origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade({ ...auth, Origin: 'null' })).toBe(403);
  });

  it('refuses an upgrade without the token, with a wrong one, or with the token in the query', async () => {
    expect(await upgrade({ Origin: origin })).toBe(401);
    expect(await upgrade({ Origin: origin, Authorization: 'Bearer nope' })).toBe(401);
    expect(await upgrade({ Origin: origin, Cookie: 'dojo_token=nope' })).toBe(401);
    expect(await upgrade({ Origin: origin }, `lab=sleepy-lab&token=${TOKEN}`)).toBe(401);
  });

  it('accepts the cookie or the bearer token with the served Origin', async () => {
    const swap = await fetch(`${origin}/?token=${TOKEN}`, { redirect: 'manual' });
    const Cookie = (swap.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(await upgrade({ Origin: origin, Cookie })).toBe(101);
    expect(await upgrade({ Origin: origin, Cookie: `dojo_token=${TOKEN}` })).toBe(401);
    expect(await upgrade({ Origin: `http://localhost:${port}`, ...auth })).toBe(101);
  });

  it('refuses upgrades on paths that are not the terminal', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/health`, { headers: { Origin: origin, ...auth } });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    expect(status).toBe(404);
  });
});

describe('static files', () => {
  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/%252e%252e/secret.txt',
    '/%252e%252e%252fsecret.txt',
    '/..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/./../../secret.txt',
    '/index.html%00/../../secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
  ])('refuses the traversal %s', async (attack) => {
    const res = await get(attack);
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toContain(SECRET);
  });

  it('serves pages with a strict Content-Security-Policy and anti-framing headers', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const csp = Object.fromEntries(
      (res.headers['content-security-policy'] ?? '').split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(csp['default-src']).toBe("'self'");
    expect(csp['script-src']).toBe("'self'");
    expect(csp['object-src']).toBe("'none'");
    expect(csp['base-uri']).toBe("'none'");
    expect(csp['frame-ancestors']).toBe("'none'");
    expect(csp['connect-src']).toBe(`'self' ws://127.0.0.1:${port}`);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('malformed requests', () => {
  it('answers malformed percent-encoding in a path parameter with 400, not 500', async () => {
    const res = await get('/api/labs/%E0%A4%A/session', { Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(400);
  });

  it('answers a request line that is not HTTP with 400 and keeps serving', async () => {
    const res = await raw('HELLO THERE\r\n\r\n');
    expect(res.status).toBe(400);
    expect((await fetch(`${origin}/api/health`)).status).toBe(200);
  });
});
