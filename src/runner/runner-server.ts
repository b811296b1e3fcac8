/**
 * The runner: one process serving the built site, the HTTP API and (later) WebSockets on loopback.
 *
 * Request order: Host check (DNS rebinding) → token bootstrap (`/?token=`) → API (auth, Origin on
 * state changes) → static files. Routes are a small table so features register their own.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import createDebug from 'debug';
import { serveStatic } from './static-files.ts';
import {
  authenticated,
  contentSecurityPolicy,
  createPolicy,
  hostAllowed,
  originAllowed,
  tokenCookie,
  tokensEqual,
  type SecurityPolicy,
} from './security.ts';
import { HttpError, sendError, sendJson } from './http-helpers.ts';

const debug = createDebug('dojo:runner');

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path pattern with :params, e.g. /api/labs/:lab/steps/:step/check */
  path: string;
  /** Routes are authenticated unless marked public (only /api/health is). */
  public?: boolean;
  handler: (ctx: RouteContext) => Promise<void> | void;
}

export interface UpgradeRoute {
  path: string;
  handler: (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;
}

export interface RunnerOptions {
  host?: string;
  port?: number;
  token?: string;
  distDir: string;
  routes?: Route[];
  upgrades?: UpgradeRoute[];
}

export interface StartedRunner extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly origin: string;
  /** The URL to open: carries the token once; the server swaps it for a cookie. */
  readonly launchUrl: string;
  readonly server: http.Server;
  close(): Promise<void>;
}

function compile(pattern: string): (path: string) => Record<string, string> | null {
  const names: string[] = [];
  const re = new RegExp(
    '^' +
      pattern.replace(/\/:([a-zA-Z]+)/g, (_m, name: string) => {
        names.push(name);
        return '/([^/]+)';
      }) +
      '/?$',
  );
  return (path) => {
    const m = re.exec(path);
    if (!m) return null;
    const params: Record<string, string> = {};
    names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1] ?? '');
    });
    return params;
  };
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function startRunner(options: RunnerOptions): Promise<StartedRunner> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const routes = (options.routes ?? []).map((r) => ({ ...r, match: compile(r.path) }));
  const upgrades = options.upgrades ?? [];
  // Filled in once the port is known (port 0 binds a free one); requests before that get 503.
  const bound: { policy?: SecurityPolicy; hostHeader: string } = { hostHeader: '' };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal error in the runner; see its log');
      if (!(err instanceof HttpError)) debug('unhandled error on %s %s: %O', req.method, req.url, err);
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const policy = bound.policy;
    if (!policy) throw new HttpError(503, 'starting');
    const hostHeader = bound.hostHeader;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!hostAllowed(policy, req.headers)) {
      debug('refused Host %s', req.headers.host);
      return sendError(res, new HttpError(403, 'unexpected Host header; open the URL the runner printed'));
    }
    const url = new URL(req.url ?? '/', `http://${hostHeader}`);

    // First visit: swap ?token= for a cookie and drop it from the address bar (and history).
    const offered = url.searchParams.get('token');
    if (offered !== null && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      if (!tokensEqual(offered, policy.token)) {
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('This link\'s token is not valid. Use the URL printed by "npm start" (or set DOJO_TOKEN).\n');
        return;
      }
      url.searchParams.delete('token');
      res.writeHead(302, { 'Set-Cookie': tokenCookie(policy.token), Location: url.pathname + url.search });
      res.end();
      return;
    }

    if (url.pathname.startsWith('/api/')) {
      const method = req.method ?? 'GET';
      let pathMatched = false;
      for (const route of routes) {
        const params = route.match(url.pathname);
        if (!params) continue;
        pathMatched = true;
        if (route.method !== method) continue;
        if (!route.public && !authenticated(policy, req.headers)) {
          return sendError(
            res,
            new HttpError(
              401,
              'missing or wrong token',
              'open the URL printed by "npm start", or send Authorization: Bearer <token>',
            ),
          );
        }
        if (STATE_CHANGING.has(method) && !originAllowed(policy, req.headers)) {
          return sendError(
            res,
            new HttpError(403, `Origin ${req.headers.origin ?? '(none)'} may not change state here`),
          );
        }
        return route.handler({ req, res, url, params });
      }
      if (!authenticated(policy, req.headers)) return sendError(res, new HttpError(401, 'missing or wrong token'));
      return sendError(
        res,
        pathMatched
          ? new HttpError(405, `${method} is not allowed on ${url.pathname}`)
          : new HttpError(404, `no API route ${url.pathname}`),
      );
    }

    res.setHeader('Content-Security-Policy', contentSecurityPolicy(hostHeader));
    if (await serveStatic(options.distDir, req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Not found\n');
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, reason: string) => {
      debug('refused upgrade %s: %s', req.url, reason);
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const policy = bound.policy;
    if (!policy || !hostAllowed(policy, req.headers)) return refuse(403, 'Forbidden Host');
    if (!originAllowed(policy, req.headers)) return refuse(403, 'Forbidden Origin');
    if (!authenticated(policy, req.headers)) return refuse(401, 'Unauthorized');
    const url = new URL(req.url ?? '/', `http://${bound.hostHeader}`);
    const route = upgrades.find((u) => u.path === url.pathname);
    if (!route) return refuse(404, 'Not Found');
    route.handler(req, socket, head, url);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4321, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 4321);
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  bound.hostHeader = `${hostForUrl}:${port}`;
  bound.policy = createPolicy(token, host, port);
  const origin = `http://${bound.hostHeader}`;
  debug('listening on %s', origin);

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    host,
    port,
    token,
    origin,
    launchUrl: `${origin}/?token=${encodeURIComponent(token)}`,
    server,
    close,
    [Symbol.asyncDispose]: close,
  };
}

export { sendJson };
