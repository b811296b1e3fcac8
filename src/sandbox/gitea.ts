/**
 * Gitea, the Git platform with pull requests of the `platform` sandbox: a pinned container where
 * Docker runs, the binary built from its Go module without (scripts/toolchain.sh phase gitea).
 *
 * Lifecycle: `startGitea(options)` → `StartedGitea` (AsyncDisposable). Either way it listens on a
 * port kept in DOJO_HOME (repository URLs in the learner's clone and in Argo CD stay valid across
 * restarts), keeps its data (SQLite, repositories) in the sandbox's data folder, and has one admin
 * account, `dojo-admin`, whose token the platform bootstrap uses (src/sandbox/gitea-bootstrap.ts).
 * Learners and the pipeline get non-admin accounts: an admin token can force-merge past branch
 * protection.
 *
 * Process provider: `gitea web` spawned detached with its log in the data folder (pid recorded
 * synchronously for the reaper), app.ini written by us: SQLite, 127.0.0.1 only, install locked,
 * webhooks allowed to loopback (the pipeline listens there), channel queues (webhooks in well under
 * a second instead of ~2.5 s), no SSH, no mailer, no update checks, OFFLINE_MODE. Templates,
 * locales and the web assets come from STATIC_ROOT_PATH (the build's share/ folder), so no bindata.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { StartedTestContainer } from 'testcontainers';
import { giteaHomes } from '../shared/paths.ts';
import { stablePort } from './free-port.ts';
import {
  baseEnvironment,
  isRunning,
  startComponent,
  stopComponents,
  waitReady,
  type RunningComponent,
} from './process-cluster/supervised-process.ts';

export const GITEA_VERSION = '1.27.3';
/** The release image for the docker provider (same version as the Go module build). */
export const GITEA_IMAGE = `docker.gitea.com/gitea:${GITEA_VERSION}-rootless`;
export const GITEA_IMAGE_VARIABLE = 'DOJO_GITEA_IMAGE';
/** SQLite's busy timeout for the lab's Gitea (app.ini [database] SQLITE_TIMEOUT; Gitea's default is 500). */
const GITEA_SQLITE_TIMEOUT_MS = 20_000;
export const GITEA_ADMIN = 'dojo-admin';

export const GITEA_INSTALL_HINT =
  'Fix: run "npx dojo sandbox install" (builds Gitea 1.27.3 from the Go module proxy: 5-6 min the first time on 2 cores), or install Docker and use DOJO_PROVIDER=docker.';

export class GiteaError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(hint ? `${message} ${hint}` : message);
    this.name = 'GiteaError';
    this.hint = hint;
  }
}

export interface GiteaBuild {
  binary: string;
  /** templates/, options/, public/ (with the built web assets when the frontend was built). */
  share: string;
  /** Whether the web frontend's assets exist (else the web UI has no styles or scripts). */
  webUi: boolean;
}

/** The Gitea build of this checkout or the per-user install; DOJO_GITEA_HOME names another. */
export function findGiteaBuild(env: NodeJS.ProcessEnv = process.env): GiteaBuild | null {
  const homes = env['DOJO_GITEA_HOME'] ? [path.resolve(env['DOJO_GITEA_HOME'])] : giteaHomes(env);
  for (const home of homes) {
    const binary = path.join(home, 'bin', 'gitea');
    const share = path.join(home, 'share');
    if (existsSync(binary) && existsSync(path.join(share, 'templates')) && existsSync(path.join(share, 'options'))) {
      return { binary, share, webUi: existsSync(path.join(share, 'public', 'assets', '.vite', 'manifest.json')) };
    }
  }
  return null;
}

/** Why the process provider cannot run Gitea here, or null. */
export function giteaProcessProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  if (findGiteaBuild(env)) return null;
  const homes = env['DOJO_GITEA_HOME'] ? [env['DOJO_GITEA_HOME']] : giteaHomes(env);
  return `Gitea ${GITEA_VERSION} is not built (looked for bin/gitea and share/ in ${homes.join(' and ')}). ${GITEA_INSTALL_HINT}`;
}

export interface GiteaOptions {
  provider: 'docker' | 'process';
  /** Where Gitea keeps app.ini, its database, repositories and log; kept across restarts. */
  dataDir: string;
  /** The file remembering the HTTP port (same port after a restart: clones and Argo CD keep working). */
  portFile: string;
  env?: NodeJS.ProcessEnv;
  onProcess?: (c: RunningComponent) => void;
  signal?: AbortSignal;
  startupTimeoutMs?: number;
}

export interface StartedGitea extends AsyncDisposable {
  readonly provider: 'docker' | 'process';
  /** Base URL as this machine reaches it, with a trailing slash: http://127.0.0.1:PORT/ */
  readonly url: string;
  readonly version: string;
  readonly webUi: boolean;
  /** A token of the admin account (scope all), for the bootstrap only. */
  readonly adminToken: string;
  readonly pid: number | null;
  readonly startMs: number;
  alive(): boolean;
  /** Runs `gitea admin ...` (user creation, tokens) against this instance. */
  admin(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** app.ini for a Gitea on 127.0.0.1:port with everything under `dataDir`. Pure (tests read it). */
export function giteaAppIni(o: {
  dataDir: string;
  port: number;
  staticRoot: string;
  runUser: string;
  root: boolean;
}): string {
  const d = o.dataDir;
  return `; Written by GitOps Dojo (src/sandbox/gitea.ts) on every start; Gitea writes its secrets back.
APP_NAME = GitOps Dojo platform
RUN_MODE = prod
RUN_USER = ${o.runUser}
WORK_PATH = ${d}
${o.root ? 'I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true\n' : ''}
[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${o.port}
DOMAIN = 127.0.0.1
ROOT_URL = http://127.0.0.1:${o.port}/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = ${o.staticRoot}
APP_DATA_PATH = ${path.join(d, 'data')}

[database]
DB_TYPE = sqlite3
PATH = ${path.join(d, 'data', 'gitea.db')}
SQLITE_JOURNAL_MODE = WAL
; How long a write waits for SQLite's lock (Gitea's default, 500 ms, is short on a loaded 2-core
; machine: a push's follow-up work, such as moving a pull request to its new head, fails with
; "database is locked" and is not retried, while the pipeline writes statuses and comments).
SQLITE_TIMEOUT = ${GITEA_SQLITE_TIMEOUT_MS}

[repository]
ROOT = ${path.join(d, 'repositories')}
DEFAULT_BRANCH = main
DEFAULT_PRIVATE = public

[security]
INSTALL_LOCK = true

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false
DEFAULT_ALLOW_CREATE_ORGANIZATION = false
ENABLE_NOTIFY_MAIL = false

[webhook]
; The platform pipeline listens on 127.0.0.1.
ALLOWED_HOST_LIST = loopback
DELIVER_TIMEOUT = 10

[queue]
; In-process channels: webhooks go out at once (the default level queue batches them, ~2.5 s).
TYPE = channel

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[mailer]
ENABLED = false

[picture]
DISABLE_GRAVATAR = true
ENABLE_FEDERATED_AVATAR = false

[cron.update_checker]
ENABLED = false

[actions]
ENABLED = false

[packages]
ENABLED = false

[log]
MODE = console
LEVEL = Warn
ROOT_PATH = ${path.join(d, 'log')}
`;
}

async function waitHealthy(
  url: string,
  component: RunningComponent | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const probe = async () => {
    const res = await fetch(`${url}api/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  };
  if (component) {
    await waitReady(component, `Gitea's ${url}api/healthz`, probe, {
      timeoutMs,
      intervalMs: 150,
      ...(signal ? { signal } : {}),
    });
    return;
  }
  const t0 = Date.now();
  while (!(await probe().catch(() => false))) {
    if (Date.now() - t0 > timeoutMs)
      throw new GiteaError(`timed out after ${timeoutMs / 1000} s waiting for Gitea's ${url}api/healthz`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ADMIN_EMAIL = 'dojo-admin@platform.local';

/** Creates the admin once (kept in the data folder), and a fresh admin token each start. */
async function adminToken(admin: (args: string[]) => Promise<string>, dataDir: string): Promise<string> {
  const marker = path.join(dataDir, 'admin-created');
  if (!existsSync(marker)) {
    const password = randomBytes(18).toString('base64url');
    await admin([
      'user',
      'create',
      '--admin',
      '--username',
      GITEA_ADMIN,
      '--password',
      password,
      '--email',
      ADMIN_EMAIL,
      '--must-change-password=false',
    ]).catch((err: Error) => {
      if (!/already exists/.test(err.message)) throw err;
    });
    await writeFile(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
  }
  const name = `dojo-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const out = await admin([
    'user',
    'generate-access-token',
    '--username',
    GITEA_ADMIN,
    '--token-name',
    name,
    '--scopes',
    'all',
    '--raw',
  ]);
  const token = out.trim().split('\n').pop()?.trim() ?? '';
  if (!/^[0-9a-f]{40}$/.test(token))
    throw new GiteaError(
      `expected a 40-hex access token from "gitea admin user generate-access-token", found "${out.trim().slice(0, 120)}"`,
    );
  return token;
}

async function startGiteaProcess(o: GiteaOptions): Promise<StartedGitea> {
  const env = o.env ?? process.env;
  const build = findGiteaBuild(env);
  if (!build)
    throw new GiteaError(`Gitea ${GITEA_VERSION} is not installed for the process provider.`, GITEA_INSTALL_HINT);
  const t0 = Date.now();
  await mkdir(path.join(o.dataDir, 'data'), { recursive: true, mode: 0o700 });
  await mkdir(path.join(o.dataDir, 'log'), { recursive: true, mode: 0o700 });
  const port = await stablePort(o.portFile);
  const config = path.join(o.dataDir, 'app.ini');
  const runUser = os.userInfo().username;
  const root = process.getuid?.() === 0;
  let ini = giteaAppIni({ dataDir: o.dataDir, port, staticRoot: build.share, runUser, root });
  // Gitea appends its generated secrets ([security] INTERNAL_TOKEN, [oauth2] JWT_SECRET...) to
  // app.ini: keep them across starts, or every session cookie and token signature changes.
  if (existsSync(config)) {
    const old = await readFile(config, 'utf8');
    const secrets = old.split('\n').filter((l) => /^(INTERNAL_TOKEN|SECRET_KEY|JWT_SECRET|LFS_JWT_SECRET)\s*=/.test(l));
    const section: Record<string, string> = {
      INTERNAL_TOKEN: 'security',
      SECRET_KEY: 'security',
      JWT_SECRET: 'oauth2',
      LFS_JWT_SECRET: 'server',
    };
    for (const line of secrets) {
      const key = line.split('=')[0]?.trim() ?? '';
      const s = section[key];
      if (!s) continue;
      ini = ini.includes(`[${s}]\n`) ? ini.replace(`[${s}]\n`, `[${s}]\n${line}\n`) : `${ini}\n[${s}]\n${line}\n`;
    }
  }
  await writeFile(config, ini, { mode: 0o600 });
  const childEnv = baseEnvironment(env, {
    GITEA_WORK_DIR: o.dataDir,
    GITEA_CUSTOM: path.join(o.dataDir, 'custom'),
    HOME: o.dataDir,
    USER: runUser,
  });
  const running = await startComponent(
    {
      component: 'gitea',
      binary: build.binary,
      args: ['web', '--config', config, '--work-path', o.dataDir],
      env: childEnv,
      cwd: o.dataDir,
      logFile: path.join(o.dataDir, 'log', 'gitea.log'),
    },
    (c) => o.onProcess?.(c),
  );
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitHealthy(url, running, o.startupTimeoutMs ?? 60_000, o.signal);
    const admin = async (args: string[]) => {
      const r = await execa(build.binary, ['admin', ...args, '--config', config, '--work-path', o.dataDir], {
        env: childEnv,
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 60_000,
        cwd: o.dataDir,
      });
      if (r.exitCode !== 0)
        throw new GiteaError(
          `gitea admin ${args.slice(0, 2).join(' ')} failed: ${String(r.stderr || r.stdout)
            .trim()
            .slice(-400)}`,
        );
      return String(r.stdout);
    };
    const token = await adminToken(admin, o.dataDir);
    return {
      provider: 'process',
      url,
      version: GITEA_VERSION,
      webUi: build.webUi,
      adminToken: token,
      pid: running.pid,
      startMs: Date.now() - t0,
      alive: () => isRunning(running),
      admin,
      stop: () => stopComponents([running], 10_000),
      [Symbol.asyncDispose]: () => stopComponents([running], 10_000),
    };
  } catch (err) {
    await stopComponents([running]);
    throw err;
  }
}

/**
 * The docker provider: the rootless release image, its data in a bind-mounted folder of the
 * sandbox, its port published on the port kept in DOJO_HOME. Written against the image's
 * documented GITEA__section__KEY variables; this project's machines have no engine, so it is
 * exercised only where Docker runs.
 */
async function startGiteaContainer(o: GiteaOptions): Promise<StartedGitea> {
  const env = o.env ?? process.env;
  const t0 = Date.now();
  const image = env[GITEA_IMAGE_VARIABLE] || GITEA_IMAGE;
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const port = await stablePort(o.portFile);
  const url = `http://127.0.0.1:${port}/`;
  let started: StartedTestContainer;
  try {
    // Loaded only where a container is started: testcontainers brings dockerode, gRPC and ssh2.
    const { GenericContainer, Wait } = await import('testcontainers');
    started = await new GenericContainer(image)
      .withExposedPorts({ container: 3000, host: port })
      .withEnvironment({
        GITEA__database__DB_TYPE: 'sqlite3',
        GITEA__database__SQLITE_TIMEOUT: String(GITEA_SQLITE_TIMEOUT_MS),
        GITEA__security__INSTALL_LOCK: 'true',
        GITEA__server__ROOT_URL: url,
        GITEA__server__DISABLE_SSH: 'true',
        GITEA__server__OFFLINE_MODE: 'true',
        GITEA__service__DISABLE_REGISTRATION: 'true',
        GITEA__repository__DEFAULT_BRANCH: 'main',
        // The pipeline listens on the host: the container reaches it through host.docker.internal.
        GITEA__webhook__ALLOWED_HOST_LIST: 'external,loopback,private',
        GITEA__queue__TYPE: 'channel',
        GITEA__actions__ENABLED: 'false',
      })
      .withExtraHosts([{ host: 'host.docker.internal', ipAddress: 'host-gateway' }])
      .withBindMounts([{ source: o.dataDir, target: '/var/lib/gitea' }])
      .withLabels({ 'dev.gitops-dojo.sandbox': 'platform' })
      .withWaitStrategy(Wait.forHttp('/api/healthz', 3000).forStatusCode(200))
      .withStartupTimeout(o.startupTimeoutMs ?? 120_000)
      .start();
  } catch (err) {
    throw new GiteaError(
      `could not start the Gitea container ${image}: ${(err as Error).message}`,
      `Set ${GITEA_IMAGE_VARIABLE} to another Gitea 1.27 image, or use DOJO_PROVIDER=process.`,
    );
  }
  const admin = async (args: string[]) => {
    const r = await started.exec(['gitea', 'admin', ...args]);
    if (r.exitCode !== 0)
      throw new GiteaError(`gitea admin ${args.slice(0, 2).join(' ')} failed: ${r.output.trim().slice(-400)}`);
    return r.output;
  };
  const token = await adminToken(admin, o.dataDir);
  const stop = async () => {
    await started.stop({ remove: true });
  };
  return {
    provider: 'docker',
    url,
    version: GITEA_VERSION,
    webUi: true,
    adminToken: token,
    pid: null,
    startMs: Date.now() - t0,
    alive: () => true,
    admin,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export function startGitea(options: GiteaOptions): Promise<StartedGitea> {
  return options.provider === 'docker' ? startGiteaContainer(options) : startGiteaProcess(options);
}
