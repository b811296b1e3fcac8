/**
 * The runner: one process serving the built site, the HTTP API and the terminal WebSockets on loopback.
 *
 * Request order: Host check (DNS rebinding) → token bootstrap (`/?token=`) → API (auth, Origin on
 * state changes) → static files. Routes are a small table so features register their own.
 * `createFrontDoor` is that pipeline without a server of its own: `startRunner` puts it in front
 * of the static site, and the Astro dev integration (astro-integration.ts) mounts the same one on
 * Vite's dev server, so `npm run dev` has the same API with the same checks.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import createDebug from 'debug';
import { serveNotFound, serveStatic } from './static-files.ts';
import {
  authenticated,
  contentSecurityPolicy,
  createPolicy,
  hostAllowed,
  isWildcardHost,
  originAllowed,
  sessionCookie,
  tokensEqual,
  type SecurityPolicy,
} from './security.ts';
import { HttpError, sendError, sendJson } from './http-helpers.ts';
import { logRunnerError, pathOnly } from './runner-log.ts';

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
  /**
   * Runs when the runner closes, once requests in flight are done (or after CLOSE_WAIT_MS): stop
   * terminals and sandboxes before the sockets go.
   */
  onClose?: () => Promise<void>;
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
      try {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      } catch {
        throw new HttpError(400, `malformed percent-encoding in the path segment "${m[i + 1] ?? ''}"`);
      }
    });
    return params;
  };
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** How long close waits for requests in flight (a check can take longer; it is then cut). */
const CLOSE_WAIT_MS = 10_000;

export interface FrontDoorOptions {
  token: string;
  routes?: Route[];
  upgrades?: UpgradeRoute[];
  /** The built site; without it (the dev server) non-API requests are left to the caller. */
  distDir?: string;
}

export interface FrontDoor {
  readonly token: string;
  /** Sets the host:port the server is reachable at; requests before this get 503. */
  bind(host: string, port: number): void;
  readonly hostHeader: string;
  /** Answers the request, or returns false when it is not the runner's (dev server: Vite serves pages). */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Answers an upgrade under /api/, or returns false when it is not the runner's (Vite's HMR socket). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

export function createFrontDoor(options: FrontDoorOptions): FrontDoor {
  const token = options.token;
  const routes = (options.routes ?? []).map((r) => ({ ...r, match: compile(r.path) }));
  const upgrades = options.upgrades ?? [];
  const bound: { policy?: SecurityPolicy; hostHeader: string } = { hostHeader: '' };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const policy = bound.policy;
    const serveSite = options.distDir !== undefined;
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const ours = serveSite || rawPath.startsWith('/api/') || /[?&]token=/.test(req.url ?? '');
    if (!ours) return false;
    if (!policy) throw new HttpError(503, 'starting');
    const hostHeader = bound.hostHeader;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!hostAllowed(policy, req.headers)) {
      debug('refused Host %s', req.headers.host);
      sendError(res, new HttpError(403, 'unexpected Host header; open the URL the runner printed'));
      return true;
    }
    const url = new URL(req.url ?? '/', `http://${hostHeader}`);

    // First visit: swap ?token= for a cookie and drop it from the address bar (and history).
    const offered = url.searchParams.get('token');
    if (offered !== null && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      if (!tokensEqual(offered, policy.token)) {
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('This link\'s token is not valid. Use the URL printed by "npm start" (or set DOJO_TOKEN).\n');
        return true;
      }
      url.searchParams.delete('token');
      // One leading slash only: "//evil.example/" would be a protocol-relative redirect off-site.
      const location = '/' + url.pathname.replace(/^[/\\]+/, '') + url.search;
      res.writeHead(302, { 'Set-Cookie': sessionCookie(policy), Location: location });
      res.end();
      return true;
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
          sendError(
            res,
            new HttpError(
              401,
              'missing or wrong token',
              'open the URL printed by "npm start", or send Authorization: Bearer <token>',
            ),
          );
          return true;
        }
        if (STATE_CHANGING.has(method) && !originAllowed(policy, req.headers)) {
          sendError(res, new HttpError(403, `Origin ${req.headers.origin ?? '(none)'} may not change state here`));
          return true;
        }
        await route.handler({ req, res, url, params });
        return true;
      }
      if (!authenticated(policy, req.headers)) {
        sendError(res, new HttpError(401, 'missing or wrong token'));
        return true;
      }
      sendError(
        res,
        pathMatched
          ? new HttpError(405, `${method} is not allowed on ${url.pathname}`)
          : new HttpError(404, `no API route ${url.pathname}`),
      );
      return true;
    }

    if (!options.distDir) return false;
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(hostHeader));
    if (await serveStatic(options.distDir, req, res)) return true;
    await serveNotFound(options.distDir, req, res);
    return true;
  }

  return {
    token,
    get hostHeader() {
      return bound.hostHeader;
    },
    bind(host, port) {
      const hostForUrl = host.includes(':') ? `[${host}]` : host;
      bound.hostHeader = `${hostForUrl}:${port}`;
      bound.policy = createPolicy(token, host, port);
    },
    async handleRequest(req, res) {
      try {
        return await handle(req, res);
      } catch (err) {
        const e = err instanceof HttpError ? err : new HttpError(500, 'internal error in the runner; see its log');
        // Every 5xx is logged with its cause, whatever DEBUG says: the page only says "see its log".
        if (e.status >= 500) logRunnerError(`${e.status} on ${req.method ?? 'GET'} ${pathOnly(req.url)}`, err);
        if (!res.headersSent) sendError(res, e);
        else res.destroy();
        return true;
      }
    },
    handleUpgrade(req, socket, head) {
      const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
      if (!rawPath.startsWith('/api/')) return false;
      const refuse = (status: number, reason: string) => {
        debug('refused upgrade %s: %s', req.url, reason);
        socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      };
      // A socket error after the handshake is the route's to handle; before it, just drop the socket.
      socket.on('error', (err) => debug('upgrade socket error: %s', err.message));
      const policy = bound.policy;
      if (!policy || !hostAllowed(policy, req.headers)) {
        refuse(403, 'Forbidden Host');
        return true;
      }
      if (!originAllowed(policy, req.headers)) {
        refuse(403, 'Forbidden Origin');
        return true;
      }
      if (!authenticated(policy, req.headers)) {
        refuse(401, 'Unauthorized');
        return true;
      }
      let url: URL;
      try {
        url = new URL(req.url ?? '/', `http://${bound.hostHeader}`);
      } catch {
        refuse(400, 'Bad Request');
        return true;
      }
      const route = upgrades.find((u) => u.path === url.pathname);
      if (!route) {
        refuse(404, 'Not Found');
        return true;
      }
      try {
        route.handler(req, socket, head, url);
      } catch (err) {
        debug('upgrade handler for %s threw: %O', url.pathname, err);
        socket.destroy();
      }
      return true;
    },
  };
}

export async function startRunner(options: RunnerOptions): Promise<StartedRunner> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const door = createFrontDoor({
    token,
    distDir: options.distDir,
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.upgrades ? { upgrades: options.upgrades } : {}),
  });

  // Requests still being handled when the runner closes: close waits for them (bounded), so a
  // handler never writes into a DOJO_HOME or a database that is already gone.
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;
  const server = http.createServer((req, res) => {
    if (closing) {
      // A keep-alive connection can still carry a request after close began.
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end('the runner is shutting down');
      return;
    }
    const work = door.handleRequest(req, res).finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!door.handleUpgrade(req, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  // A client that sends garbage instead of HTTP gets a 400 and never reaches a handler.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
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
  door.bind(host, port);
  // A wildcard bind (0.0.0.0, ::) listens on loopback too: the launch URL uses it.
  const origin = isWildcardHost(host) ? `http://127.0.0.1:${port}` : `http://${door.hostHeader}`;
  debug('listening on %s', origin);

  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
      try {
        await options.onClose?.();
      } catch (err) {
        debug('onClose failed: %O', err);
      }
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };
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
