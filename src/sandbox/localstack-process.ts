/**
 * LocalStack 4.14.0 as a host process (no container engine): `python -m localstack.runtime.main`
 * from a venv holding `localstack-core[runtime]==4.14.0` with its dependencies resolved as of its
 * release (scripts/toolchain.sh phase localstack, or `npx dojo sandbox install`). It serves the
 * S3 website endpoints moto does not, so `s3.website` is graded for real without Docker.
 *
 * Lifecycle: `new LocalStackProcess(options)` → `start()` → `StartedLocalStackProcess`
 * (AsyncDisposable). Only the services a lab needs are loaded; the gateway binds 127.0.0.1 on a
 * free port; DNS and certificate downloads are off (nothing leaves the machine). Readiness is the
 * same health endpoint as the container's. The process is spawned detached with its log in the
 * data folder, and its pid reaches `onProcess` before anything awaits, so the reaper can stop it
 * after a crash of the runner.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { localStackVenvs } from '../shared/paths.ts';
import { freePort } from './free-port.ts';
import {
  getWithHost,
  LocalStackError,
  parseLocalStackHealth,
  servicesNotReady,
  websiteRequest,
  type LocalStackHealth,
  type WebsiteResponse,
} from './localstack.ts';
import {
  baseEnvironment,
  isRunning,
  startComponent,
  stopComponents,
  waitReady,
  type RunningComponent,
} from './process-cluster/supervised-process.ts';

export const LOCALSTACK_PROCESS_VERSION = '4.14.0';

export const LOCALSTACK_PROCESS_INSTALL_HINT =
  'Fix: run "npx dojo sandbox install" (installs localstack-core 4.14.0 from PyPI into ~/.cache/gitops-dojo/localstack; needs Python >= 3.13), or use Docker.';

/** The venv's python, when it has localstack-core installed; DOJO_LOCALSTACK_PYTHON overrides. */
export function localStackPython(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env['DOJO_LOCALSTACK_PYTHON'];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  for (const venv of localStackVenvs(env)) {
    const py = path.join(venv, 'bin', 'python');
    if (!existsSync(py)) continue;
    // localstack-core has no `localstack` CLI; its runtime package is what must be there.
    let libs: string[];
    try {
      libs = readdirSync(path.join(venv, 'lib')).filter((d) => d.startsWith('python3'));
    } catch {
      continue;
    }
    if (libs.some((d) => existsSync(path.join(venv, 'lib', d, 'site-packages', 'localstack', 'runtime', 'main.py'))))
      return py;
  }
  return null;
}

export interface LocalStackProcessOptions {
  /** Folder for LocalStack's data and log, e.g. DOJO_HOME/localstack/<sandbox>. */
  dataDir: string;
  services?: string[];
  env?: NodeJS.ProcessEnv;
  port?: number;
  startupTimeoutMs?: number;
  onProcess?: (c: RunningComponent) => void;
  signal?: AbortSignal;
}

export class LocalStackProcess {
  private readonly options: LocalStackProcessOptions;

  constructor(options: LocalStackProcessOptions) {
    this.options = options;
  }

  async start(): Promise<StartedLocalStackProcess> {
    const o = this.options;
    const env = o.env ?? process.env;
    const python = localStackPython(env);
    if (!python) {
      throw new LocalStackError(
        `expected LocalStack ${LOCALSTACK_PROCESS_VERSION} installed as a host process (a venv in ${localStackVenvs(env).join(' or ')}), found none.`,
        LOCALSTACK_PROCESS_INSTALL_HINT,
      );
    }
    const services = o.services ?? ['s3', 'sts', 'iam'];
    const port = o.port ?? (await freePort());
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
    const endpoint = `http://127.0.0.1:${port}`;
    const running = await startComponent(
      {
        component: 'localstack',
        binary: python,
        args: ['-m', 'localstack.runtime.main'],
        env: baseEnvironment(env, {
          GATEWAY_LISTEN: `127.0.0.1:${port}`,
          // The default (twisted) gateway ignores the host part of GATEWAY_LISTEN and binds every
          // interface (a TODO in localstack 4.14's twisted.py); hypercorn binds what it is told.
          GATEWAY_SERVER: 'hypercorn',
          SERVICES: services.join(','),
          // No DNS server, no certificate download, no usage events: nothing leaves the machine.
          DNS_ADDRESS: '0',
          DNS_DISABLED: '1',
          SKIP_SSL_CERT_DOWNLOAD: '1',
          DISABLE_EVENTS: '1',
          LOCALSTACK_VOLUME_DIR: o.dataDir,
          FILESYSTEM_ROOT: path.join(o.dataDir, 'fs'),
          // Its own cache folder: a stale plux plugin index elsewhere makes it find no services.
          XDG_CACHE_HOME: path.join(o.dataDir, 'cache'),
          PYTHONUNBUFFERED: '1',
        }),
        cwd: o.dataDir,
        logFile: path.join(o.dataDir, 'localstack.log'),
      },
      (c) => o.onProcess?.(c),
    );
    let health: LocalStackHealth | null = null;
    try {
      await waitReady(
        running,
        `LocalStack's health endpoint ${endpoint}/_localstack/health to report ${services.join(', ')} ready`,
        async () => {
          const res = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
          if (!res.ok) return false;
          health = parseLocalStackHealth(await res.json());
          return servicesNotReady(health, services).length === 0;
        },
        { timeoutMs: o.startupTimeoutMs ?? 120_000, intervalMs: 300, ...(o.signal ? { signal: o.signal } : {}) },
      );
    } catch (err) {
      await stopComponents([running]);
      throw err;
    }
    const version = (health as LocalStackHealth | null)?.version ?? LOCALSTACK_PROCESS_VERSION;
    return new StartedLocalStackProcess(running, endpoint, version, services);
  }
}

export class StartedLocalStackProcess implements AsyncDisposable {
  readonly endpoint: string;
  readonly version: string;
  readonly services: string[];
  readonly process: RunningComponent;

  constructor(process: RunningComponent, endpoint: string, version: string, services: string[]) {
    this.process = process;
    this.endpoint = endpoint;
    this.version = version;
    this.services = services;
  }

  get pid(): number {
    return this.process.pid;
  }

  alive(): boolean {
    return isRunning(this.process);
  }

  async health(): Promise<LocalStackHealth> {
    return parseLocalStackHealth(await (await fetch(`${this.endpoint}/_localstack/health`)).json());
  }

  websiteFetch(bucket: string, urlPath = '/'): Promise<WebsiteResponse> {
    const { url, host } = websiteRequest(this.endpoint, bucket, urlPath);
    return getWithHost(url, host);
  }

  async stop(): Promise<void> {
    await stopComponents([this.process], 10_000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** The installed localstack-core version, or null (doctor). */
export async function localStackProcessVersion(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const python = localStackPython(env);
  if (!python) return null;
  const r = await execa(python, ['-c', 'import importlib.metadata as m; print(m.version("localstack-core"))'], {
    reject: false,
    timeout: 15_000,
    stdin: 'ignore',
  });
  return r.exitCode === 0 ? String(r.stdout).trim() : null;
}
