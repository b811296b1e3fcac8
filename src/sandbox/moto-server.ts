/**
 * The `moto_server` process as the AWS emulator when no container engine is available.
 *
 * Lifecycle as types (testcontainers' shape): `new MotoServer()` → `start()` → `StartedMotoServer`,
 * which is AsyncDisposable so callers can write `await using`. It binds 127.0.0.1 only, on a free
 * port; readiness is a real S3 request answering, not a sleep. One port serves S3, DynamoDB, STS
 * and IAM. moto keeps S3 website configuration but does not serve website endpoints.
 *
 * Persistence (`recordingFile`): moto keeps everything in memory, so a stop or a crash used to
 * empty it. With a recording file, moto's own recorder appends every request to it as it is served
 * (so even kill -9 loses nothing already answered), and the next start replays the requests that
 * can change state (reads are dropped from the file first, which also keeps it small). Replayed
 * objects get new version ids and timestamps; names, contents, versions and items come back.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { freePort } from './free-port.ts';
import { toolEnv, which } from './which.ts';

export interface MotoServerOptions {
  /** Path to moto_server; found on PATH or in .toolchain/ when omitted. */
  binary?: string;
  port?: number;
  /** How long to wait for the first answer. */
  startupTimeoutMs?: number;
  /** Record every request here and replay the file at start (see the note at the top). */
  recordingFile?: string;
}

/** What a start restored from the recording file. */
export interface MotoRestore {
  /** Requests replayed (reads are not replayed). */
  requests: number;
  ms: number;
}

/** Methods that never change moto's state: not worth replaying. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Keeps the recorded requests that may change state; returns the file's new text and their count. */
export function compactRecording(text: string): { text: string; requests: number } {
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: { method?: unknown; url?: unknown };
    try {
      entry = JSON.parse(line) as { method?: unknown; url?: unknown };
    } catch {
      continue; // a line cut by a crash mid-write
    }
    if (typeof entry.method !== 'string' || READS.has(entry.method.toUpperCase())) continue;
    if (typeof entry.url === 'string' && /\/moto-api\//.test(entry.url)) continue;
    kept.push(line);
  }
  return { text: kept.length ? `${kept.join('\n')}\n` : '', requests: kept.length };
}

export class MotoServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MotoServerError';
  }
}

export class MotoServer {
  private readonly options: MotoServerOptions;
  constructor(options: MotoServerOptions = {}) {
    this.options = options;
  }

  async start(): Promise<StartedMotoServer> {
    const binary = this.options.binary ?? which('moto_server');
    if (!binary) {
      throw new MotoServerError(
        'expected moto_server on PATH, found none. Fix: pip install "moto[server]" into a venv and put its bin/ on PATH, or run scripts/toolchain.sh.',
      );
    }
    const port = this.options.port ?? (await freePort());
    const timeout = this.options.startupTimeoutMs ?? 30_000;
    const recording = this.options.recordingFile;
    let toReplay = 0;
    if (recording && existsSync(recording)) {
      const compacted = compactRecording(readFileSync(recording, 'utf8'));
      writeFileSync(recording, compacted.text, { mode: 0o600 });
      toReplay = compacted.requests;
    }
    const child = execa(binary, ['-H', '127.0.0.1', '-p', String(port)], {
      env: {
        ...toolEnv(),
        ...(recording ? { MOTO_ENABLE_RECORDING: 'True', MOTO_RECORDER_FILEPATH: recording } : {}),
      },
      stdin: 'ignore',
      reject: false,
      cleanup: true,
      all: true,
      buffer: false,
    });
    const recent: string[] = [];
    child.all?.on('data', (chunk: Buffer) => {
      recent.push(...chunk.toString().split('\n').filter(Boolean));
      if (recent.length > 20) recent.splice(0, recent.length - 20);
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const started = Date.now();
    let exited = false;
    const done = child.then(() => {
      exited = true;
    });
    const handle: ProcessHandle = { pid: child.pid, kill: (signal) => child.kill(signal), done, exited: () => exited };
    while (Date.now() - started < timeout) {
      if (exited) {
        throw new MotoServerError(
          `moto_server exited during start-up on port ${port}. Last output:\n${recent.join('\n') || '(none)'}`,
        );
      }
      try {
        const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) {
          const restored = toReplay ? await this.replay(endpoint, toReplay) : null;
          return new StartedMotoServer(handle, endpoint, port, binary, restored);
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new MotoServerError(
      `timed out after ${timeout} ms waiting for moto_server to answer at ${endpoint}. Last output:\n${recent.join('\n') || '(none)'}`,
    );
  }

  /** Replays the (compacted) recording into the fresh server; moto does not record the replay itself. */
  private async replay(endpoint: string, requests: number): Promise<MotoRestore> {
    const t0 = performance.now();
    const res = await fetch(`${endpoint}/moto-api/recorder/replay-recording`, {
      method: 'POST',
      signal: AbortSignal.timeout(120_000),
    });
    if (!res.ok) {
      throw new MotoServerError(
        `moto_server could not replay its recording ${this.options.recordingFile} (HTTP ${res.status}). Fix: move that file aside to start empty.`,
      );
    }
    return { requests, ms: Math.round(performance.now() - t0) };
  }
}

/** The parts of the child process a started server needs: enough to stop it and know it stopped. */
interface ProcessHandle {
  pid: number | undefined;
  kill: (signal: NodeJS.Signals) => void;
  done: Promise<void>;
  exited: () => boolean;
}

export class StartedMotoServer implements AsyncDisposable {
  readonly endpoint: string;
  readonly port: number;
  readonly binary: string;
  readonly pid: number | undefined;
  /** What the start restored from the recording file, if anything. */
  readonly restored: MotoRestore | null;
  private readonly child: ProcessHandle;

  constructor(
    child: ProcessHandle,
    endpoint: string,
    port: number,
    binary: string,
    restored: MotoRestore | null = null,
  ) {
    this.child = child;
    this.restored = restored;
    this.endpoint = endpoint;
    this.port = port;
    this.binary = binary;
    this.pid = child.pid;
  }

  /** Wipes every resource (buckets, tables) without restarting the process. */
  async reset(): Promise<void> {
    const res = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (!res.ok) throw new MotoServerError(`moto reset answered HTTP ${res.status}`);
  }

  async stop(): Promise<void> {
    if (this.child.exited()) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.child.done;
    clearTimeout(timer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
