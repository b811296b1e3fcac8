/**
 * A real runner for integration tests: real HTTP server on a free loopback port, a temporary
 * DOJO_HOME, the test labs in test/fixtures/runner-labs and the test sandbox in
 * test/fixtures/sandboxes, and a terminal client speaking the documented protocol over `ws`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import WebSocket from 'ws';
import { createRunnerContext, type RunnerContext } from '../../src/runner/runner-context.ts';
import { startRunner, type StartedRunner } from '../../src/runner/runner-server.ts';
import { coreRoutes } from '../../src/runner/api-routes.ts';
import { sessionRoutes } from '../../src/runner/routes/session-routes.ts';
import { labRoutes, sandboxAccessFrom } from '../../src/runner/routes/lab-routes.ts';
import { terminalRoutes } from '../../src/runner/routes/terminal-routes.ts';
import { labRuntime, type LabRuntime } from '../../src/runner/session-manager/lab-runtime.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import { serverMessageSchema, type ClientMessage, type ServerMessage } from '../../src/shared/terminal-protocol.ts';

export const fixtureLabsDir = path.join(repoRoot, 'test', 'fixtures', 'runner-labs');
export const fixtureSandboxesDir = path.join(repoRoot, 'test', 'fixtures', 'sandboxes');
export const TOKEN = 'integration-token';

export interface TestRunner extends AsyncDisposable {
  runner: StartedRunner;
  runtime: LabRuntime;
  ctx: RunnerContext;
  home: string;
  /** fetch against the runner with the token and the right Origin unless overridden. */
  api(pathname: string, init?: RequestInit): Promise<Response>;
  terminal(lab: string, options?: TerminalClientOptions): Promise<TerminalClient>;
}

export async function startTestRunner(
  options: {
    detachedTtlMs?: number;
    distDir?: string;
    labsDir?: string;
    shell?: string;
    slowStartMs?: number;
    /** Also serve the lab routes (progress, checks, the background re-check). */
    labRoutes?: boolean;
  } = {},
): Promise<TestRunner> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-runner-home-'));
  const ctx = createRunnerContext(home, options.labsDir ?? fixtureLabsDir);
  const runtime = labRuntime(ctx, {
    sandboxesDir: fixtureSandboxesDir,
    shell: options.shell ?? '/bin/bash',
    ...(options.slowStartMs !== undefined ? { slowStartMs: options.slowStartMs } : {}),
    ...(options.detachedTtlMs !== undefined ? { detachedTtlMs: options.detachedTtlMs } : {}),
  });
  const runner = await startRunner({
    port: 0,
    token: TOKEN,
    distDir: options.distDir ?? path.join(home, 'no-dist'),
    routes: [
      ...coreRoutes(ctx.labsDir),
      ...sessionRoutes(runtime.sessions),
      ...(options.labRoutes ? labRoutes(ctx, sandboxAccessFrom(runtime.sessions, runtime.terminals)) : []),
    ],
    upgrades: terminalRoutes(runtime.terminals, ctx.labsDir),
    onClose: runtime.close,
  });
  const close = async () => {
    await runner.close();
    ctx.db.close();
    await rm(home, { recursive: true, force: true });
  };
  return {
    runner,
    runtime,
    ctx,
    home,
    api: (pathname, init = {}) =>
      fetch(`${runner.origin}${pathname}`, {
        ...init,
        headers: { Authorization: `Bearer ${TOKEN}`, Origin: runner.origin, ...(init.headers ?? {}) },
      }),
    terminal: (lab, o) => connectTerminal(runner.origin, lab, o),
    [Symbol.asyncDispose]: close,
  };
}

export interface TerminalClientOptions {
  /** Ack rendered bytes automatically (default true), as the browser does after xterm renders. */
  autoAck?: boolean;
  cols?: number;
  rows?: number;
  headers?: Record<string, string>;
  /** Keep only the last N bytes of output (bulk tests must not hold 75 MB in the test process). */
  keepBytes?: number;
}

export interface TerminalClient {
  ws: WebSocket;
  /** Everything received as output so far, decoded. */
  text(): string;
  bytesReceived(): number;
  messages: ServerMessage[];
  attached: Promise<Extract<ServerMessage, { type: 'attached' }>>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: ClientMessage | string): void;
  type(text: string): void;
  ack(bytes: number): void;
  setAutoAck(on: boolean): void;
  /** Output bytes received but not yet acked (when autoAck is off). */
  unacked(): number;
  waitForText(pattern: RegExp | string, timeout?: number): Promise<void>;
  close(): Promise<void>;
}

export function connectTerminal(
  origin: string,
  lab: string,
  options: TerminalClientOptions = {},
): Promise<TerminalClient> {
  const query = new URLSearchParams({ lab });
  if (options.cols) query.set('cols', String(options.cols));
  if (options.rows) query.set('rows', String(options.rows));
  const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/terminal?${query}`, {
    headers: { Authorization: `Bearer ${TOKEN}`, Origin: origin, ...(options.headers ?? {}) },
  });
  const chunks: Buffer[] = [];
  let received = 0;
  let kept = 0;
  let acked = 0;
  const messages: ServerMessage[] = [];
  let autoAck = options.autoAck ?? true;
  const ackNow = (bytes: number) => {
    acked += bytes;
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ack', bytes }));
  };
  let resolveAttached: (m: Extract<ServerMessage, { type: 'attached' }>) => void = () => undefined;
  const attached = new Promise<Extract<ServerMessage, { type: 'attached' }>>((r) => {
    resolveAttached = r;
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('message', (data, isBinary) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    if (isBinary) {
      chunks.push(buf);
      received += buf.length;
      kept += buf.length;
      while (options.keepBytes !== undefined && kept - (chunks[0]?.length ?? 0) >= options.keepBytes) {
        kept -= chunks.shift()?.length ?? 0;
      }
      if (autoAck) ackNow(received - acked);
      return;
    }
    const message = serverMessageSchema.parse(JSON.parse(buf.toString()));
    messages.push(message);
    if (message.type === 'attached') resolveAttached(message);
  });
  const client: TerminalClient = {
    ws,
    text: () => Buffer.concat(chunks).toString(),
    bytesReceived: () => received,
    messages,
    attached,
    closed,
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    type: (text) => ws.send(JSON.stringify({ type: 'input', data: text })),
    ack: ackNow,
    setAutoAck: (on) => {
      autoAck = on;
      if (on && received > acked) ackNow(received - acked);
    },
    unacked: () => received - acked,
    waitForText: (pattern, timeout = 10_000) =>
      vi.waitFor(
        () => {
          const t = client.text();
          if (typeof pattern === 'string' ? !t.includes(pattern) : !pattern.test(t)) {
            throw new Error(`expected terminal output to match ${String(pattern)}, found:\n${t.slice(-600)}`);
          }
        },
        { timeout, interval: 20 },
      ),
    close: async () => {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Whether a process with this pid exists (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
