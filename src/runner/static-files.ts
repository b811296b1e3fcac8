/**
 * Serves the built site from dist/. Paths are decoded once, normalised and must stay inside the
 * root after resolution (encoded and double-encoded `..` included); anything else is a 404, so an
 * attacker learns nothing about the file system.
 *
 * Text assets are sent compressed (brotli, else gzip) when the browser accepts it. They are
 * compressed on first request, off the event loop (zlib's thread pool), and kept in memory keyed
 * by path, size and mtime, so a rebuild is picked up and a second request costs nothing: the lab
 * page's JavaScript shrinks to about a quarter (see `npm run bench:pages`).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.webmanifest': 'application/manifest+json',
};

/** Formats that shrink when compressed (images and woff2 are compressed already). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.xml', '.webmanifest']);
/** Below this a compressed body saves less than its headers cost. */
const MIN_COMPRESS_BYTES = 1024;
/** Larger files stream uncompressed rather than sit in memory (the site has none; a guard). */
const MAX_COMPRESS_BYTES = 8 * 1024 * 1024;
/** The whole site compresses to about 1 MB; the cap only matters for a runaway dist/. */
const CACHE_LIMIT_BYTES = 32 * 1024 * 1024;

export type ContentEncoding = 'br' | 'gzip';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * The encoding to answer with for an Accept-Encoding header: brotli when accepted, else gzip, else
 * none. `q=0` refuses an encoding (RFC 9110 §12.5.3); `*` accepts any not named.
 */
export function chooseEncoding(acceptEncoding: string | undefined): ContentEncoding | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => weights.get(name) ?? weights.get('*') ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return null;
}

interface CacheEntry {
  mtimeMs: number;
  size: number;
  bodies: Map<ContentEncoding, Promise<Buffer>>;
  bytes: number;
}

/** Compressed bodies by absolute file path; Map order is insertion order, so the first is the oldest. */
const cache = new Map<string, CacheEntry>();
let cachedBytes = 0;

function compressedBody(file: string, mtimeMs: number, size: number, encoding: ContentEncoding): Promise<Buffer> {
  let entry = cache.get(file);
  if (entry && (entry.mtimeMs !== mtimeMs || entry.size !== size)) {
    cachedBytes -= entry.bytes;
    cache.delete(file);
    entry = undefined;
  }
  if (!entry) {
    entry = { mtimeMs, size, bodies: new Map(), bytes: 0 };
    cache.set(file, entry);
  }
  const existing = entry.bodies.get(encoding);
  if (existing) return existing;
  const owner = entry;
  const body = readFile(file).then((raw) =>
    encoding === 'br'
      ? brotli(raw, {
          params: {
            // Quality 9: within 8% of the maximum (11) at a seventh of its time (140 ms for the
            // 341 KB terminal chunk on a slow core); paid once per file per runner start. Above
            // 1 MB quality 5: the 3.8 MB language model of the interview page takes 0.23 s instead
            // of 0.9-1.7 s for 1% more bytes.
            [zlib.constants.BROTLI_PARAM_QUALITY]: raw.length > 1024 * 1024 ? 5 : 9,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          },
        })
      : gzip(raw, { level: 9 }),
  );
  owner.bodies.set(encoding, body);
  body.then(
    (buf) => {
      if (cache.get(file) !== owner) return;
      owner.bytes += buf.length;
      cachedBytes += buf.length;
      for (const [key, old] of cache) {
        if (cachedBytes <= CACHE_LIMIT_BYTES || old === owner) break;
        cachedBytes -= old.bytes;
        cache.delete(key);
      }
    },
    () => {
      // A failed read (file removed mid-rebuild) must not stay cached.
      if (owner.bodies.get(encoding) === body) owner.bodies.delete(encoding);
    },
  );
  return body;
}

/** Resolves a URL path to a file under root, or null when it would escape root or is malformed. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // A second round of %xx after decoding is a double-encoding attempt; real file names never need it.
  if (/%[0-9a-f]{2}/i.test(decoded) || decoded.includes('\0') || decoded.includes('\\')) return null;
  const resolved = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  const rootWithSep = root.endsWith(path.sep) ? root : root + path.sep;
  return resolved === root || resolved.startsWith(rootWithSep) ? resolved : null;
}

/** Sends one file with `status`, compressed when it is text and the client accepts it. */
async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  info: { size: number; mtimeMs: number },
  status: number,
  cacheControl: string,
): Promise<void> {
  const ext = path.extname(file);
  const headers: Record<string, string | number> = {
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    'Cache-Control': cacheControl,
  };
  const compressible = COMPRESSIBLE.has(ext) && info.size >= MIN_COMPRESS_BYTES && info.size <= MAX_COMPRESS_BYTES;
  if (compressible) {
    // Caches between here and the browser must keep one copy per encoding.
    headers['Vary'] = 'Accept-Encoding';
    const encoding = chooseEncoding(req.headers['accept-encoding']);
    if (encoding) {
      const body = await compressedBody(file, info.mtimeMs, info.size, encoding).catch(() => null);
      if (body) {
        res.writeHead(status, { ...headers, 'Content-Encoding': encoding, 'Content-Length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
    }
  }
  res.writeHead(status, { ...headers, 'Content-Length': info.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
}

export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
  let file = resolveInside(root, urlPath);
  if (!file) return false;
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return false;
  const cacheControl = urlPath.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  await sendFile(req, res, file, info, 200, cacheControl);
  return true;
}

/**
 * Answers 404 with the site's own page (src/pages/404.astro, built to dist/404.html), or plain
 * text when the site has none (a test runner without a build).
 */
export async function serveNotFound(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const file = path.join(root, '404.html');
  const info = req.method === 'GET' || req.method === 'HEAD' ? await stat(file).catch(() => null) : null;
  if (info?.isFile()) {
    await sendFile(req, res, file, info, 404, 'no-cache');
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}
