/**
 * `npm run bench:terminal`: our terminal bridge against wetty, side by side on this machine.
 *
 * Both servers run as their own processes on loopback, each spawning a bash on a PTY; one client
 * process drives them in turn, the way their browser clients would:
 * - ours over the documented protocol (src/shared/terminal-protocol.ts), acking every frame;
 * - wetty over socket.io (`input`/`data`/`commit`), committing 256 KiB at a time like its client.
 *
 * Measured: keystroke echo round trip (send one key, time to the first output frame back), p50
 * and p95 over ECHO_KEYS keys; and bulk throughput of `head -c 20000000 /dev/urandom | base64`
 * (bytes received until an end marker, per second; median of BULK_RUNS). The servers take turns
 * (interleaved blocks), so background load on the machine weighs on both alike. Single floods on
 * this 2-core VM swing between 6 and 20 MB/s whoever serves them, so the throughput ratio is also
 * given paired: each round floods both servers back to back, in alternating order (the first of a
 * pair must not always be ours), and the median of the rounds' ratios is less at the mercy of one
 * slow moment than a ratio of two medians. Server CPU time per MB (all threads, from /proc) says
 * where a difference comes from. A third row floods a PTY that this process reads itself, with no
 * server in between: the kernel's PTY is most of a flood's cost, and that row is the ceiling both
 * servers are measured against. Not a test: it prints figures and ratios. Every wait is bounded;
 * nothing leaves 127.0.0.1.
 *
 * gotty would be the third peer, but it cannot be built here: the Go module proxy answers 403 for
 * github.com/sorenisanerd/gotty and github.com/yudai/gotty, so the run reports it as skipped.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import { spawn as spawnPty } from '@lydell/node-pty';
import { freePort } from '../src/sandbox/free-port.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ECHO_KEYS = 300;
const ECHO_WARMUP = 20;
const BULK_RUNS = 15;
const BULK_COMMAND = 'head -c 20000000 /dev/urandom | base64; echo BENCH-$((40+2))-END\r';
const BULK_MARKER = 'BENCH-42-END';
const TIMEOUT_MS = 120_000;
const TOKEN = 'bench-token';
const BARE_NAME = 'bare PTY read';

/** What the bench needs from a terminal, whatever its wire protocol. */
interface Driver {
  name: string;
  /** Sends keystrokes; resolves with the time (ms) until the next output arrives. */
  roundTrip(keys: string): Promise<number>;
  /** Sends a command and resolves when `marker` has arrived; returns bytes received meanwhile. */
  runUntil(command: string, marker: string): Promise<{ bytes: number; ms: number }>;
  close(): void;
  /** The server's process id: its CPU time (all threads) is read from /proc around each flood. */
  pid: number | undefined;
}

/** Output bookkeeping shared by both drivers: waiters on "next output" and on a marker. */
class OutputTracker {
  private nextWaiter: (() => void) | null = null;
  private marker: { text: string; tail: string; bytes: number; done: () => void } | null = null;

  feed(chunk: string, bytes: number): void {
    const next = this.nextWaiter;
    this.nextWaiter = null;
    next?.();
    const m = this.marker;
    if (m) {
      m.bytes += bytes;
      // Keep a tail so a marker split across frames is still found.
      m.tail = (m.tail + chunk).slice(-(m.text.length + 64 * 1024));
      if (m.tail.includes(m.text)) {
        this.marker = null;
        m.done();
      }
    }
  }

  next(send: () => void): Promise<number> {
    return withTimeout(
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        this.nextWaiter = () => resolve(performance.now() - t0);
        send();
      }),
      5000,
      'a keystroke echo',
    );
  }

  until(text: string, send: () => void): Promise<{ bytes: number; ms: number }> {
    return withTimeout(
      new Promise((resolve) => {
        const t0 = performance.now();
        const state = {
          text,
          tail: '',
          bytes: 0,
          done: () => resolve({ bytes: state.bytes, ms: performance.now() - t0 }),
        };
        this.marker = state;
        send();
      }),
      TIMEOUT_MS,
      `the end marker ${text}`,
    );
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** What waitForLine needs of a child process started by execa with `all: true`. */
type Spawned = { all?: Readable | null | undefined } & PromiseLike<{ exitCode?: number | undefined }>;

async function waitForLine(child: Spawned, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  let out = '';
  return withTimeout(
    new Promise((resolve, reject) => {
      const onData = (c: Buffer) => {
        out += c.toString();
        const m = pattern.exec(out);
        if (m) {
          child.all?.off('data', onData);
          resolve(m);
        }
      };
      child.all?.on('data', onData);
      child.then((r) => reject(new Error(`${what} exited (${r.exitCode}) before it was ready:\n${out}`)));
    }),
    60_000,
    what,
  );
}

async function dojoDriver(home: string): Promise<{ driver: Driver; stop: () => Promise<void> }> {
  const child = execa(
    process.execPath,
    [path.join(root, 'bin', 'dojo.mjs'), 'start', '--port', '0', '--no-open', '--no-build'],
    {
      env: { DOJO_HOME: home, DOJO_TOKEN: TOKEN, SHELL: '/bin/bash' },
      all: true,
      buffer: false,
      reject: false,
      stdin: 'ignore',
    },
  );
  const [, port] = await waitForLine(child, /http:\/\/127\.0\.0\.1:(\d+)\/\?token=/, 'dojo start');
  const origin = `http://127.0.0.1:${port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/terminal?lab=terraform-state&cols=80&rows=30`, {
    headers: { Authorization: `Bearer ${TOKEN}`, Origin: origin },
    perMessageDeflate: false,
  });
  const tracker = new OutputTracker();
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          if (String(data).includes('"attached"')) resolve();
          return;
        }
        const buf = data as Buffer;
        // Ack at once: a client whose renderer keeps up.
        ws.send(`{"type":"ack","bytes":${buf.length}}`);
        tracker.feed(buf.toString('latin1'), buf.length);
      });
      ws.once('error', reject);
    }),
    10_000,
    'the dojo terminal to attach',
  );
  const send = (data: string) => ws.send(JSON.stringify({ type: 'input', data }));
  return {
    driver: {
      name: 'dojo bridge',
      roundTrip: (keys) => tracker.next(() => send(keys)),
      runUntil: (command, marker) => tracker.until(marker, () => send(command)),
      close: () => ws.close(),
      pid: child.pid,
    },
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/**
 * The ceiling both servers share: this process reads a bash's PTY itself (node-pty, raw bytes, no
 * server, no socket, no screen mirror). The kernel's PTY (n_tty hands a reader 4 KiB at most, and
 * moves data between the two sides in a kernel worker) and the producer cost most of a flood's CPU,
 * so no bridge can stream faster than this row; how close each server gets says what a bridge costs.
 */
function bareDriver(): { driver: Driver; stop: () => Promise<void> } {
  const pty = spawnPty('/bin/bash', [], {
    name: 'xterm-256color',
    cols: 80,
    rows: 30,
    cwd: os.tmpdir(),
    env: { ...process.env, SHELL: '/bin/bash' } as Record<string, string>,
    encoding: null,
  });
  const tracker = new OutputTracker();
  pty.onData((data: string | Buffer) => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    tracker.feed(buf.toString('latin1'), buf.length);
  });
  const exited = new Promise<void>((resolve) => pty.onExit(() => resolve()));
  return {
    driver: {
      name: BARE_NAME,
      roundTrip: (keys) => tracker.next(() => pty.write(keys)),
      runUntil: (command, marker) => tracker.until(marker, () => pty.write(command)),
      close: () => undefined,
      // Its CPU is this process's (the client column); it has no server.
      pid: undefined,
    },
    stop: async () => {
      pty.kill('SIGHUP');
      await withTimeout(exited, 5000, 'the bare PTY shell to exit');
    },
  };
}

async function wettyDriver(): Promise<{ driver: Driver; stop: () => Promise<void> } | string> {
  if (process.getuid?.() !== 0) {
    return 'skipped: wetty spawns a local shell only when run as root (otherwise it insists on ssh)';
  }
  const port = await freePort();
  const child = execa(
    process.execPath,
    [
      path.join(root, 'node_modules', 'wetty', 'build', 'main.js'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--base',
      '/wetty',
      '--command',
      'bash',
      '--log-level',
      'warn',
    ],
    { env: { SHELL: '/bin/bash' }, all: true, buffer: false, reject: false, stdin: 'ignore' },
  );
  // wetty logs nothing at warn level once listening: poll its page instead.
  await withTimeout(
    (async () => {
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/wetty`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    30_000,
    'wetty to listen',
  );
  const socket: Socket = io(`http://127.0.0.1:${port}`, { path: '/wetty/socket.io', transports: ['websocket'] });
  const tracker = new OutputTracker();
  let counter = 0;
  const ackBytes = 262144; // wetty's client commits in steps of 256 KiB
  await withTimeout(
    new Promise<void>((resolve) => {
      socket.on('login', () => {
        socket.emit('resize', { cols: 80, rows: 30 });
        resolve();
      });
      socket.on('data', (data: string) => {
        counter += data.length;
        while (counter >= ackBytes) {
          counter -= ackBytes;
          socket.emit('commit', ackBytes);
        }
        tracker.feed(data, Buffer.byteLength(data));
      });
    }),
    10_000,
    'wetty to log in',
  );
  return {
    driver: {
      name: 'wetty 3.2.0',
      roundTrip: (keys) => tracker.next(() => socket.emit('input', keys)),
      runUntil: (command, marker) => tracker.until(marker, () => socket.emit('input', command)),
      close: () => socket.close(),
      pid: child.pid,
    },
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

interface Figures {
  name: string;
  p50: number;
  p95: number;
  mbps: number;
  /** Per round, this server's MB/s (rounds in order, so runs[r] of two servers form a pair). */
  runs: number[];
  /** CPU ms per MB delivered during the floods: the server process (all its threads), and this client. */
  serverCpu: number;
  clientCpu: number;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** User + system CPU time of a process in ms (all threads), from /proc; NaN where /proc is absent. */
async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/**
 * Measures the drivers in turn, interleaved (a block of keystrokes or one bulk run each, round
 * robin), so that whatever else the machine is doing weighs on every server alike.
 */
async function measureAll(drivers: Driver[]): Promise<Figures[]> {
  // Let the shells print their prompts and settle.
  await new Promise((r) => setTimeout(r, 1000));
  const echo = drivers.map(() => [] as number[]);
  const block = 50;
  for (let done = -ECHO_WARMUP; done < ECHO_KEYS; done += block) {
    for (const [i, driver] of drivers.entries()) {
      for (let k = 0; k < block; k++) {
        // Type a character, then erase it: the command line stays empty, each key echoes at once.
        const ms = await driver.roundTrip(k % 2 === 0 ? 'x' : '\x7f');
        if (done + k >= 0 && done + k < ECHO_KEYS) echo[i]?.push(ms);
      }
    }
  }
  const runs = drivers.map(() => [] as number[]);
  const cpu = drivers.map(() => ({ server: 0, client: 0, mb: 0 }));
  for (let r = 0; r < BULK_RUNS; r++) {
    const order = [...drivers.entries()];
    if (r % 2 === 1) order.reverse();
    for (const [i, driver] of order) {
      const server0 = await processCpuMs(driver.pid);
      const client0 = process.cpuUsage();
      const { bytes, ms } = await driver.runUntil(BULK_COMMAND, BULK_MARKER);
      const client = process.cpuUsage(client0);
      const server1 = await processCpuMs(driver.pid);
      runs[i]?.push(bytes / 1e6 / (ms / 1000));
      const c = cpu[i];
      if (c) {
        c.server += server1 - server0;
        c.client += (client.user + client.system) / 1000;
        c.mb += bytes / 1e6;
      }
      await new Promise((res) => setTimeout(res, 300));
    }
  }
  return drivers.map((driver, i) => {
    const samples = [...(echo[i] ?? [])].sort((a, b) => a - b);
    const sortedRuns = [...(runs[i] ?? [])].sort((a, b) => a - b);
    return {
      name: driver.name,
      p50: percentile(samples, 50),
      p95: percentile(samples, 95),
      mbps: sortedRuns[Math.floor(sortedRuns.length / 2)] ?? NaN,
      runs: runs[i] ?? [],
      serverCpu: (cpu[i]?.server ?? NaN) / (cpu[i]?.mb ?? NaN),
      clientCpu: (cpu[i]?.client ?? NaN) / (cpu[i]?.mb ?? NaN),
    };
  });
}

async function main(): Promise<void> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-bench-terminal-'));
  let results: Figures[];
  const notes: string[] = [];
  const servers: { driver: Driver; stop: () => Promise<void> }[] = [];
  try {
    servers.push(await dojoDriver(home));
    const wetty = await wettyDriver();
    if (typeof wetty === 'string') notes.push(`wetty: ${wetty}`);
    else servers.push(wetty);
    servers.push(bareDriver());
    notes.push(
      'gotty: skipped: the Go module proxy has no build of it here (403 for github.com/sorenisanerd/gotty and github.com/yudai/gotty)',
    );
    results = await measureAll(servers.map((s) => s.driver));
  } finally {
    for (const s of servers) {
      s.driver.close();
      await s.stop();
    }
    await rm(home, { recursive: true, force: true });
  }

  console.log(
    `\nTerminal bridge benchmark: ${ECHO_KEYS} keystrokes (echo round trip), ${BULK_RUNS} × \`head -c 20000000 /dev/urandom | base64\``,
  );
  console.log(`node ${process.version}, ${os.cpus().length} cores, loopback\n`);
  console.log(
    `${'server'.padEnd(14)}${'echo p50'.padStart(10)}${'echo p95'.padStart(10)}${'MB/s'.padStart(10)}${'server CPU'.padStart(12)}${'client CPU'.padStart(12)}  runs (MB/s)`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(14)}${`${r.p50.toFixed(2)} ms`.padStart(10)}${`${r.p95.toFixed(2)} ms`.padStart(10)}${r.mbps.toFixed(1).padStart(10)}${(Number.isNaN(r.serverCpu) ? '-' : `${r.serverCpu.toFixed(1)} ms/MB`).padStart(12)}${`${r.clientCpu.toFixed(1)} ms/MB`.padStart(12)}  ${r.runs.map((x) => x.toFixed(1)).join(', ')}`,
    );
  }
  const [ours] = results;
  const peer = results.find((r) => r.name.startsWith('wetty'));
  const ceiling = results.find((r) => r.name === BARE_NAME);
  /** Median of the per-round ratios a/b (the rounds of two drivers pair up by index). */
  const pairedRatio = (a: Figures, b: Figures) => {
    const paired = a.runs.map((x, r) => x / (b.runs[r] ?? NaN)).sort((x, y) => x - y);
    return { median: paired[Math.floor(paired.length / 2)] ?? NaN, paired };
  };
  if (ours && peer) {
    const echo = ours.p95 / peer.p95;
    const ofMedians = ours.mbps / peer.mbps;
    const { median: throughput, paired } = pairedRatio(ours, peer);
    console.log(
      `\nratios vs ${peer.name}: echo p95 ${echo.toFixed(2)} (aim <= 1.00: ${echo <= 1 ? 'met' : 'missed'}), throughput ${throughput.toFixed(2)} (median of ${paired.length} paired rounds, ${paired[0]?.toFixed(2)} to ${paired.at(-1)?.toFixed(2)}; aim >= 1.00, issue 12: ${throughput >= 1 ? 'met' : 'missed'}); ratio of the medians ${ofMedians.toFixed(2)}; server CPU per MB ${(ours.serverCpu / peer.serverCpu).toFixed(2)}`,
    );
  }
  if (ceiling) {
    const shares = results
      .filter((r) => r !== ceiling)
      .map((r) => `${r.name} ${pairedRatio(r, ceiling).median.toFixed(2)}`);
    console.log(
      `share of the ${BARE_NAME} throughput (the ceiling: no server, no socket; paired median): ${shares.join(', ')}`,
    );
  }
  for (const n of notes) console.log(n);
}

await main();
