/**
 * The runner's front door. This process can open a shell on the user's machine, so every request
 * is hostile until proven otherwise (Jupyter's token + origin model):
 *
 * - Host must be the bound host:port or a loopback alias of it: defeats DNS rebinding, where a
 *   hostile page makes its own domain resolve to 127.0.0.1.
 * - /api/* needs the launch token as `Authorization: Bearer`, or the session cookie the first visit
 *   with `?token=` swaps it for. Compared in constant time. Cookies are not port-scoped: a dev server
 *   or lab service on another 127.0.0.1 port opened in the same browser receives them, and a page
 *   there is "same-site" (SameSite ignores ports). So the cookie is named after the port (two
 *   runners never clobber each other's), its value is a random secret of this run, not the launch
 *   token (a server that logs it learns nothing reusable after a restart, and never the token), and
 *   a browser request that says it comes from another origin (`Sec-Fetch-Site` other than
 *   same-origin or none) is refused even with the cookie, GETs included.
 * - State-changing methods and WebSocket upgrades need an Origin equal to the served origin: a
 *   cross-site page can send requests with the cookie attached only where SameSite fails, and can
 *   always open WebSockets, which carry no SameSite protection.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';

/** The session cookie's name for a runner on `port`. */
export function cookieName(port: number): string {
  return `dojo_session_${port}`;
}

export interface SecurityPolicy {
  token: string;
  /** The session cookie: its name (per port) and its value (random, this run only). */
  cookie: { name: string; secret: string };
  /** host:port values a request may name in its Host header. */
  allowedHosts: Set<string>;
  /** Origins (scheme://host:port) allowed on upgrades and state-changing requests. */
  allowedOrigins: Set<string>;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return (
    host === '127.0.0.1' ||
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/** 0.0.0.0 and :: listen on every interface, loopback included. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

const bracket = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);

/**
 * The names a wildcard-bound runner answers to: loopback, this machine's interface addresses and
 * its host name. A rebinding attacker controls none of these names (an IP literal cannot be rebound).
 */
function wildcardNames(): string[] {
  const names = [...LOOPBACK_NAMES, os.hostname().toLowerCase()];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (!a.address.includes('%')) names.push(bracket(a.address.toLowerCase()));
    }
  }
  return names;
}

export function createPolicy(token: string, host: string, port: number): SecurityPolicy {
  const names = new Set([bracket(host)]);
  if (isLoopbackHost(host)) for (const n of LOOPBACK_NAMES) names.add(n);
  // Without this, a runner bound to 0.0.0.0 refuses every request: no client sends "Host: 0.0.0.0".
  if (isWildcardHost(host)) for (const n of wildcardNames()) names.add(n);
  const allowedHosts = new Set([...names].map((n) => `${n}:${port}`));
  const allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  return {
    token,
    cookie: { name: cookieName(port), secret: randomBytes(32).toString('base64url') },
    allowedHosts,
    allowedOrigins,
  };
}

export function tokensEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(raw));
    } catch {
      out.set(name, raw);
    }
  }
  return out;
}

export function hostAllowed(policy: SecurityPolicy, headers: IncomingHttpHeaders): boolean {
  const host = headers.host;
  return typeof host === 'string' && policy.allowedHosts.has(host.toLowerCase());
}

export function originAllowed(policy: SecurityPolicy, headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  return typeof origin === 'string' && policy.allowedOrigins.has(origin.toLowerCase());
}

/** The bearer token of a request, or null. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return null;
}

/**
 * Whether a browser says this request comes from this very origin. Browsers send Sec-Fetch-Site on
 * every request; "same-site" is what a page on another port of 127.0.0.1 gets, and is refused.
 * Clients that are not browsers send none (they had to be given the cookie or the token anyway).
 */
export function fromOwnOrigin(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

export function authenticated(policy: SecurityPolicy, headers: IncomingHttpHeaders): boolean {
  const bearer = bearerToken(headers);
  if (bearer !== null) return tokensEqual(bearer, policy.token);
  const cookie = parseCookies(headers.cookie).get(policy.cookie.name);
  return cookie !== undefined && tokensEqual(cookie, policy.cookie.secret) && fromOwnOrigin(headers);
}

/** The Set-Cookie value of the session cookie. */
export function sessionCookie(policy: SecurityPolicy): string {
  return `${policy.cookie.name}=${policy.cookie.secret}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Content-Security-Policy for the site: same-origin everything, WebSocket back to this server only. */
export function contentSecurityPolicy(host: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self' ws://${host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}
