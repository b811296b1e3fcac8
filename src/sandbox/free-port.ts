/**
 * Loopback ports for sandbox services that no other program, and no concurrent `dojo`, is handed.
 *
 * Asking the kernel for port 0 and closing it again (the usual trick) raced twice over, seen in CI
 * as a cluster whose etcd died with "bind: address already in use" or whose scheduler was declared
 * ready and then exited: (1) three `dojo cluster create` running at once (Terraform applies them in
 * parallel) could be handed the same port; (2) the port came from the kernel's ephemeral range,
 * which every outgoing connection also draws its local port from, so a client of another cluster
 * could take it before our component bound it. Ports here are picked at random *below* the
 * ephemeral range (no outgoing connection ever takes one of those), probed free, and claimed with an
 * exclusive file in a per-user folder (~/.cache/gitops-dojo/port-claims) so that concurrent
 * processes never pick the same port while its component is still starting.
 */
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** How long a claim keeps a port from other `dojo` processes: long enough for a cluster to boot. */
export const CLAIM_MS = 10 * 60_000;

/** Lowest port handed out: above the registered range's busiest ports, below the ephemeral range. */
const LOWEST = 20_000;

export interface PortPool {
  /** First and last port handed out (inclusive). */
  low: number;
  high: number;
  /** Folder of claim files, shared by every process of this user. */
  claimsDir: string;
}

/**
 * The kernel's ephemeral range: Linux's is in /proc (32768-60999 by default); macOS and Windows use
 * IANA's 49152-65535.
 */
export function ephemeralRange(readProc: (file: string) => string = (f) => readFileSync(f, 'utf8')): [number, number] {
  if (process.platform === 'linux') {
    try {
      const [low, high] = readProc('/proc/sys/net/ipv4/ip_local_port_range').trim().split(/\s+/).map(Number);
      if (low && high && low <= high) return [low, high];
    } catch {
      // unreadable /proc: assume the default below
    }
    return [32_768, 60_999];
  }
  return [49_152, 65_535];
}

/**
 * The pool below the ephemeral range, or null when the range starts too low to leave room (a
 * machine tuned to give clients almost every port): then the kernel's port 0 is the only choice.
 */
export function defaultPortPool(): PortPool | null {
  const [ephemeralLow] = ephemeralRange();
  const high = ephemeralLow - 1;
  if (high - LOWEST < 2_000) return null;
  // In the user's own cache, not /tmp: another local user cannot plant or read it.
  const cache = process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache');
  return { low: LOWEST, high, claimsDir: path.join(cache, 'gitops-dojo', 'port-claims') };
}

/** Asks the kernel for any free port (port 0). Only where no pool can be used: see the header. */
function kernelPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel assigned'));
      });
    });
  });
}

/** Whether `port` can be bound on `host` right now. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** Removes claims older than CLAIM_MS (best effort: another process may be doing the same). */
function dropOldClaims(dir: string, now: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (now - statSync(file).mtimeMs > CLAIM_MS) unlinkSync(file);
    } catch {
      // gone already
    }
  }
}

/** Claims `port` for this process: true when the claim file did not exist (O_EXCL). */
function claim(dir: string, port: number): boolean {
  try {
    const fd = openSync(path.join(dir, String(port)), 'wx', 0o600);
    try {
      writeSync(fd, `${process.pid} ${new Date().toISOString()}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * A free port from `pool`, claimed for CLAIM_MS. `random` is injectable so a test can force the
 * order of candidates.
 */
export async function claimFreePort(
  pool: PortPool,
  host = '127.0.0.1',
  random: () => number = Math.random,
): Promise<number> {
  mkdirSync(pool.claimsDir, { recursive: true, mode: 0o700 });
  dropOldClaims(pool.claimsDir, Date.now());
  const size = pool.high - pool.low + 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = pool.low + Math.floor(random() * size);
    if (!claim(pool.claimsDir, port)) continue;
    if (await portIsFree(port, host)) return port;
    // Taken by something that does not claim (another program): leave the claim, so nobody else
    // probes it again for a while either.
  }
  throw new Error(
    `expected a free port between ${pool.low} and ${pool.high} on ${host}, found none in 200 tries; ` +
      `fix: stop what holds them, or clear ${pool.claimsDir}`,
  );
}

/** A free loopback port for a sandbox service (see the header for why not simply port 0). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const pool = defaultPortPool();
  if (!pool) return kernelPort(host);
  try {
    mkdirSync(pool.claimsDir, { recursive: true, mode: 0o700 });
  } catch {
    // A read-only home: no claims can be kept, so fall back to the kernel's choice.
    return kernelPort(host);
  }
  return claimFreePort(pool, host);
}

/**
 * A port remembered in `file` across starts, so URLs that name it (git remotes, Argo CD
 * Applications) stay valid; a fresh one, written back, when it is taken or was never chosen.
 */
export async function stablePort(file: string, host = '127.0.0.1'): Promise<number> {
  const saved = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  const bindHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  if (saved > 0 && (await portIsFree(saved, host))) return saved;
  const port = await freePort(bindHost);
  await writeFile(file, String(port));
  return port;
}

/** Ports claimed now, for a test: the pool's claim files that are not older than CLAIM_MS. */
export function claimedPorts(pool: PortPool): number[] {
  try {
    const now = Date.now();
    return readdirSync(pool.claimsDir)
      .filter((n) => {
        try {
          return now - statSync(path.join(pool.claimsDir, n)).mtimeMs <= CLAIM_MS;
        } catch {
          return false;
        }
      })
      .map(Number)
      .filter((n) => Number.isInteger(n));
  } catch {
    return [];
  }
}
