/**
 * The TCP addresses a process listens on, read from /proc (Linux): its socket inodes from
 * /proc/<pid>/fd, matched against the LISTEN rows of /proc/net/tcp and tcp6. The tests use it to
 * prove that every sandbox listener binds 127.0.0.1 without trusting the flags we passed; the
 * cluster's readiness probes use it to know that the port answering is held by *our* process.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function decodeV4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join('.');
}

function decodeV6(hex: string): string {
  if (/^0{32}$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  // ::ffff:a.b.c.d is stored as 0000000000000000FFFF0000 + v4 (little-endian words)
  if (hex.startsWith('0000000000000000FFFF0000')) return `::ffff:${decodeV4(hex.slice(24))}`;
  return hex;
}

export function listeningAddresses(pid: number): { address: string; port: number }[] {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const out: { address: string; port: number }[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', decodeV4],
    ['/proc/net/tcp6', decodeV6],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] ?? '')) continue;
      const [addr, port] = (f[1] ?? '').split(':');
      out.push({ address: decode(addr ?? ''), port: Number.parseInt(port ?? '0', 16) });
    }
  }
  return out;
}

/**
 * Whether process `pid` itself listens on TCP `port`: true or false on Linux; null elsewhere (no
 * /proc), where the caller falls back to "something answers on the port".
 */
export function listensOn(pid: number, port: number): boolean | null {
  if (process.platform !== 'linux') return null;
  return listeningAddresses(pid).some((a) => a.port === port);
}
