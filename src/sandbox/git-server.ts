/**
 * The lab's Git server: smart HTTP served by `git http-backend` (CGI) behind a small Node HTTP server.
 *
 * Why smart HTTP and not a static "dumb" server: Argo CD's repo-server (go-git for ls-remote, the git
 * CLI for fetch) only speaks the smart protocol, and it must not be redirected. Why our own server
 * rather than `git daemon`: http is what Argo CD and the learner's terminal both speak, and a Node
 * server lets us refuse pushes per repository and log with the rest of the runner.
 *
 * Lifecycle: `new GitServer({ root })` → `start()` → `StartedGitServer` (AsyncDisposable). The
 * repositories are bare folders `<root>/<name>.git`; `createRepository` seeds one from a lab's
 * starter. Pushes (receive-pack) are enabled for the lab repositories only: the repository's own
 * `http.receivepack` setting, plus a check here so a repository created by hand stays read-only.
 *
 * Bind address: 127.0.0.1 by default, reachable from the learner's terminal only. A kind cluster's
 * pods cannot reach the host's loopback, so the gitops sandbox binds the `kind` Docker network's
 * gateway (e.g. 172.18.0.1, a host-only bridge address, not the LAN) on native Linux, and keeps
 * 127.0.0.1 with `host.docker.internal` as the advertised host on Docker Desktop, which forwards
 * that name to the host. `advertisedHost` is the name pods use; `url` is what the terminal uses.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import createDebug from 'debug';
import { execa } from 'execa';
import { z } from 'zod';
import { parseWithFriendlyErrors } from '../shared/friendly-error.ts';
import { toolEnv, which } from './which.ts';

const debug = createDebug('dojo:sandbox:git');

const repoName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, {
    error: 'expected a repository name of lower-case letters, digits, ".", "_" or "-"',
  })
  .refine((n) => !n.includes('..') && !n.endsWith('.git'), {
    error: 'a repository name has no ".." and no ".git" suffix',
  });

export const gitServerOptionsSchema = z.strictObject({
  /** Folder holding the bare repositories `<name>.git`. */
  root: z.string().min(1),
  /** Address to listen on: 127.0.0.1 (default), or the kind network gateway when pods must reach it. */
  host: z.string().default('127.0.0.1'),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(0),
  /** Host name or address that pods inside kind use to reach this server (defaults to `host`). */
  advertisedHost: z.string().optional(),
});

export type GitServerOptions = z.input<typeof gitServerOptionsSchema>;

export class GitServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitServerError';
  }
}

/** Identity for commits the server makes itself (seeding a repository from a starter). */
const SEED_IDENTITY = {
  GIT_AUTHOR_NAME: 'GitOps Dojo',
  GIT_AUTHOR_EMAIL: 'dojo@localhost',
  GIT_COMMITTER_NAME: 'GitOps Dojo',
  GIT_COMMITTER_EMAIL: 'dojo@localhost',
};

/** The git CLI, run with no user or system config so the learner's settings cannot change the seed. */
async function git(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await execa('git', args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...toolEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...options.env },
    reject: false,
    stdin: 'ignore',
  });
  if (r.exitCode !== 0) {
    throw new GitServerError(`git ${args.join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).trim()}`);
  }
  return String(r.stdout).trim();
}

/** The parts of a request `git http-backend` needs, turned into its CGI environment. */
export interface CgiRequest {
  method: string;
  /** `/<repo>.git/<service path>` */
  pathInfo: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  remoteAddress: string;
}

/** CGI/1.1 variables for `git http-backend` (see git-http-backend(1)). Exported for the contract test. */
export function cgiEnvironment(root: string, req: CgiRequest): Record<string, string> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method,
    PATH_INFO: req.pathInfo,
    QUERY_STRING: req.query,
    REMOTE_ADDR: req.remoteAddress,
  };
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const contentType = header('content-type');
  if (contentType) env['CONTENT_TYPE'] = contentType;
  // A chunked request has no length: http-backend then reads the body to EOF.
  const length = header('content-length');
  if (length) env['CONTENT_LENGTH'] = length;
  // git clients gzip large requests; http-backend inflates them when told.
  const encoding = header('content-encoding');
  if (encoding) env['HTTP_CONTENT_ENCODING'] = encoding;
  // Protocol v2 is negotiated through this header (git >= 2.18); Argo CD's git uses it.
  const protocol = header('git-protocol');
  if (protocol) env['GIT_PROTOCOL'] = protocol;
  return env;
}

/** Splits a CGI response head into a status and headers (`Status: 404 Not Found` sets the status). */
export function parseCgiHead(head: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers };
}

/** Whether a request asks for the push service (info/refs advertisement or the POST itself). */
export function isPushRequest(pathInfo: string, query: string): boolean {
  return pathInfo.endsWith('/git-receive-pack') || new URLSearchParams(query).get('service') === 'git-receive-pack';
}

export class GitServer {
  private readonly options: z.output<typeof gitServerOptionsSchema>;

  constructor(options: GitServerOptions) {
    this.options = parseWithFriendlyErrors(gitServerOptionsSchema, options, 'git server options');
  }

  async start(): Promise<StartedGitServer> {
    if (!which('git')) {
      throw new GitServerError(
        'expected git on PATH, found none. Fix: install git (macOS: xcode-select --install; Debian/Ubuntu: sudo apt-get install git).',
      );
    }
    const { root, host, port } = this.options;
    await mkdir(root, { recursive: true });
    const pushListeners = new Set<PushListener>();
    const server = http.createServer((req, res) => {
      void handle(root, req, res, pushListeners).catch((err: unknown) => {
        debug('request %s %s failed: %O', req.method, req.url, err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('git server error\n');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new GitServerError(
            `could not listen on ${host}:${port} (${err.code ?? err.message}). ` +
              (err.code === 'EADDRNOTAVAIL'
                ? 'That address is not on this machine: is the kind network up (docker network inspect kind)?'
                : 'Pick another port or stop what uses it.'),
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    debug('listening on %s:%d, root %s', host, bound, root);
    return new StartedGitServer(server, root, host, bound, this.options.advertisedHost ?? host, pushListeners);
  }
}

/** A branch or tag a push moved: its old and new commit (all zeros for a created or deleted ref). */
export interface RefUpdate {
  ref: string;
  before: string;
  after: string;
}
export interface PushEvent {
  repo: string;
  updates: RefUpdate[];
}
export type PushListener = (event: PushEvent) => void;

const ZERO = '0000000000000000000000000000000000000000';

async function refsOf(repoDir: string): Promise<Map<string, string>> {
  const r = await execa('git', ['--git-dir', repoDir, 'for-each-ref', '--format=%(refname) %(objectname)'], {
    env: { ...toolEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    reject: false,
    stdin: 'ignore',
  });
  const map = new Map<string, string>();
  for (const line of String(r.stdout).split('\n')) {
    const [ref, sha] = line.split(' ');
    if (ref && sha) map.set(ref, sha);
  }
  return map;
}

/** What moved between two snapshots of a repository's refs. */
export function refUpdates(before: Map<string, string>, after: Map<string, string>): RefUpdate[] {
  const out: RefUpdate[] = [];
  for (const ref of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(ref) ?? ZERO;
    const b = after.get(ref) ?? ZERO;
    if (a !== b) out.push({ ref, before: a, after: b });
  }
  return out;
}

async function handle(
  root: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pushListeners: Set<PushListener> = new Set(),
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://git.invalid');
  const pathInfo = decodeURIComponent(url.pathname);
  const match = /^\/([^/]+)\.git(\/.*)?$/.exec(pathInfo);
  if (!match) {
    const repos = (await readdir(root).catch(() => [] as string[])).filter((d) => d.endsWith('.git'));
    res.writeHead(pathInfo === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`GitOps Dojo git server. Repositories:\n${repos.map((r) => `  /${r}`).join('\n')}\n`);
    return;
  }
  const name = match[1] ?? '';
  const repoDir = path.join(root, `${name}.git`);
  if (!repoName.safeParse(name).success || !existsSync(repoDir)) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`no repository "${name}" on this server\n`);
    return;
  }
  if (isPushRequest(pathInfo, url.search.slice(1)) && !(await pushEnabled(repoDir))) {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end(`pushes to ${name} are disabled: only the lab's own repositories accept pushes\n`);
    return;
  }
  // A push is a POST to git-receive-pack: note the refs around it to tell listeners what moved.
  const receiving = req.method === 'POST' && pathInfo.endsWith('/git-receive-pack') && pushListeners.size > 0;
  const refsBefore = receiving ? await refsOf(repoDir) : null;
  const env = cgiEnvironment(root, {
    method: req.method ?? 'GET',
    pathInfo,
    query: url.search.slice(1),
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress ?? '',
  });
  const child = spawn('git', ['http-backend'], {
    env: { PATH: toolEnv()['PATH'] ?? '', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // the backend may answer (e.g. 403) before reading the body
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let buffered = Buffer.alloc(0);
  let headDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headDone) {
      res.write(chunk);
      return;
    }
    buffered = Buffer.concat([buffered, chunk]);
    const crlf = buffered.indexOf('\r\n\r\n');
    const lf = buffered.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    headDone = true;
    const { status, headers } = parseCgiHead(buffered.subarray(0, end).toString('latin1'));
    res.writeHead(status, headers.flat());
    res.write(buffered.subarray(end));
  });
  await new Promise<void>((resolve) => {
    child.on('close', (code) => {
      if (code !== 0) debug('http-backend %s %s exited %d: %s', req.method, pathInfo, code, stderr.trim());
      if (!headDone && !res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.write(`git http-backend failed: ${stderr.trim() || `exit ${code}`}\n`);
      }
      res.end();
      resolve();
    });
  });
  if (refsBefore) {
    const updates = refUpdates(refsBefore, await refsOf(repoDir));
    if (updates.length) {
      for (const listener of pushListeners) {
        try {
          listener({ repo: name, updates });
        } catch (err) {
          debug('push listener threw: %O', err);
        }
      }
    }
  }
}

async function pushEnabled(repoDir: string): Promise<boolean> {
  const r = await execa('git', ['--git-dir', repoDir, 'config', '--bool', 'http.receivepack'], {
    env: { ...toolEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    reject: false,
    stdin: 'ignore',
  });
  return String(r.stdout).trim() === 'true';
}

export interface CreateRepositoryOptions {
  /** Folder whose files become the first commit (a lab's starter); an empty repository when omitted. */
  from?: string;
  /** Default branch, `main` unless told otherwise. */
  branch?: string;
  /** Whether the repository accepts pushes (lab repositories do). */
  writable?: boolean;
  message?: string;
}

export class StartedGitServer implements AsyncDisposable {
  readonly root: string;
  readonly host: string;
  readonly port: number;
  /** Base URL for the learner's terminal and the checks, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** Base URL for pods inside kind, e.g. http://172.18.0.1:40123. */
  readonly clusterUrl: string;
  private readonly server: http.Server;
  private readonly pushListeners: Set<PushListener>;

  constructor(
    server: http.Server,
    root: string,
    host: string,
    port: number,
    advertisedHost: string,
    pushListeners: Set<PushListener> = new Set(),
  ) {
    this.server = server;
    this.pushListeners = pushListeners;
    this.root = root;
    this.host = host;
    this.port = port;
    const hostPart = (h: string) => (h.includes(':') ? `[${h}]` : h);
    this.url = `http://${hostPart(host === '0.0.0.0' ? '127.0.0.1' : host)}:${port}`;
    this.clusterUrl = `http://${hostPart(advertisedHost)}:${port}`;
  }

  /** Calls `listener` after every push that moved a ref (what a Git host's webhook does). Returns the unsubscribe. */
  onPush(listener: PushListener): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** Clone URL of a repository: for the terminal, or (`forCluster`) for Argo CD inside kind. */
  repoUrl(name: string, options: { forCluster?: boolean } = {}): string {
    return `${options.forCluster ? this.clusterUrl : this.url}/${name}.git`;
  }

  repoDir(name: string): string {
    return path.join(this.root, `${parseWithFriendlyErrors(repoName, name, 'repository name')}.git`);
  }

  /**
   * Creates a bare repository, optionally seeded with one commit holding the files of `from`.
   * An existing repository is left as it is (the learner's history survives a runner restart).
   */
  async createRepository(
    name: string,
    options: CreateRepositoryOptions = {},
  ): Promise<{ created: boolean; head: string | null }> {
    const dir = this.repoDir(name);
    const branch = options.branch ?? 'main';
    if (existsSync(path.join(dir, 'HEAD'))) return { created: false, head: await this.head(name, branch) };
    await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, dir]);
    await git(['--git-dir', dir, 'config', 'http.receivepack', options.writable === false ? 'false' : 'true']);
    if (!options.from) return { created: true, head: null };
    // Commit the starter straight from its folder: the bare repository borrows it as a work tree
    // for one `add` + `commit`, so no temporary clone is needed. The index file is removed after.
    const env = { ...SEED_IDENTITY, GIT_DIR: dir, GIT_WORK_TREE: options.from };
    try {
      await git(['add', '--all', '.'], { cwd: options.from, env });
      await git(['commit', '--quiet', '--allow-empty', '-m', options.message ?? `Starter for ${name}`], {
        cwd: options.from,
        env,
      });
    } finally {
      await rm(path.join(dir, 'index'), { force: true });
    }
    return { created: true, head: await this.head(name, branch) };
  }

  /** The commit a branch points at, or null when the branch does not exist yet. */
  async head(name: string, branch = 'main'): Promise<string | null> {
    const dir = this.repoDir(name);
    const r = await execa(
      'git',
      ['--git-dir', dir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`],
      {
        env: { ...toolEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
        reject: false,
        stdin: 'ignore',
      },
    );
    return r.exitCode === 0 ? String(r.stdout).trim() : null;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
