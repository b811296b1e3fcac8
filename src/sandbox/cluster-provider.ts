/**
 * One interface for "a Kubernetes cluster with Argo CD on it", two implementations:
 * `kind` (containers, src/sandbox/kind-cluster.ts + argocd.ts) and `process` (local processes,
 * src/sandbox/process-cluster.ts + process-argocd.ts). Sandboxes ask `clusterProvider(choice)` for
 * one and never branch on which; what differs (how pods reach a host service, how the argocd CLI
 * reaches its server) is part of the interface.
 *
 * Lifecycle as types: `provider.startCluster(options)` → `StartedCluster` (AsyncDisposable) →
 * `provider.startArgoCd(cluster)` → `StartedArgoCd`.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { installArgoCd } from './argocd.ts';
import { detectDockerEngine } from './docker-engine.ts';
import { kindNetworkGateway, KindCluster } from './kind-cluster.ts';
import { Kubectl } from './kubectl.ts';
import { startProcessArgoCd } from './process-argocd.ts';
import { ProcessCluster, type StartedProcessCluster, type StartKind } from './process-cluster.ts';
import type { ProviderName } from './sandbox-provider.ts';
import { dojoHome as defaultDojoHome } from '../shared/paths.ts';

export interface ClusterStartOptions {
  /** Logical name, unique within DOJO_HOME: "gitops", "dev", "staging"… */
  name: string;
  dojoHome: string;
  env?: NodeJS.ProcessEnv;
  /** Keep it running after the lab stops and across runner restarts (DOJO_KEEP_CLUSTER=1). */
  keepWarm?: boolean;
  labels?: Record<string, string>;
  /** Each host process started (process provider), synchronously, for the reaper. */
  onProcess?: (pid: number, command: string) => void;
  onProgress?: (message: string, fraction: number) => void;
  signal?: AbortSignal;
}

export interface StartedCluster extends AsyncDisposable {
  readonly provider: 'kind' | 'process';
  readonly name: string;
  readonly kubeconfig: string;
  /** The API server as this machine reaches it. */
  readonly server: string;
  readonly how: StartKind;
  /** One line for the lab page. */
  readonly description: string;
  stop(): Promise<void>;
}

export interface ArgoCdStartOptions {
  dojoHome: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (message: string, fraction: number) => void;
  signal?: AbortSignal;
}

export interface StartedArgoCd {
  version: string;
  namespace: string;
  readySeconds: number;
  adminPassword: string | null;
  /** How the learner reaches the UI/API, one line. */
  access: string;
  /** Variables for the lab terminal (the argocd CLI pointed at this Argo CD). */
  env: Record<string, string>;
  /** argocd-server's /api/webhook and its secret when this machine can call it (process provider). */
  webhook: { url: string; secret: string } | null;
  /** A warning the page should show (e.g. the CLI could not log in), or null. */
  notice: string | null;
}

export interface ClusterProvider {
  readonly name: 'kind' | 'process';
  startCluster(options: ClusterStartOptions): Promise<StartedCluster>;
  startArgoCd(cluster: StartedCluster, options: ArgoCdStartOptions): Promise<StartedArgoCd>;
  /** Where a host service (the lab Git server) listens so pods can reach it, and the name pods use. */
  hostServiceBinding(
    cluster: StartedCluster,
    env?: NodeJS.ProcessEnv,
  ): Promise<{ host: string; advertisedHost: string }>;
}

// ---------------------------------------------------------------------------------------------
// process

class ProcessStartedCluster implements StartedCluster {
  readonly provider = 'process' as const;
  readonly inner: StartedProcessCluster;
  constructor(inner: StartedProcessCluster) {
    this.inner = inner;
  }
  get name(): string {
    return this.inner.name;
  }
  get kubeconfig(): string {
    return this.inner.kubeconfig;
  }
  get server(): string {
    return this.inner.server;
  }
  get how(): StartKind {
    return this.inner.kind;
  }
  get description(): string {
    const how = { created: 'created', restarted: 'restarted from its data', warm: 'reused, warm' }[this.inner.kind];
    return `process cluster ${this.inner.name} (Kubernetes ${'v1.37.2'}, kwok nodes) at ${this.inner.server}, ${how} in ${(this.inner.startMs / 1000).toFixed(1)} s; KUBECONFIG=${this.inner.kubeconfig}`;
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

export const processProvider: ClusterProvider = {
  name: 'process',
  async startCluster(o) {
    const env = o.env ?? process.env;
    const keepWarm = o.keepWarm ?? env['DOJO_KEEP_CLUSTER'] === '1';
    const cluster = await new ProcessCluster({
      name: o.name,
      dojoHome: o.dojoHome,
      env,
      keepWarm,
      ...(o.labels ? { labels: o.labels } : {}),
      // A cluster kept warm must outlive the runner: its processes are not the runner's to reap.
      ...(o.onProcess && !keepWarm ? { onProcess: (c) => o.onProcess?.(c.pid, c.command) } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }).start();
    return new ProcessStartedCluster(cluster);
  },
  async startArgoCd(cluster, o) {
    if (!(cluster instanceof ProcessStartedCluster))
      throw new Error('the process provider runs Argo CD on its own clusters only');
    const argo = await startProcessArgoCd(cluster.inner, {
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return {
      version: argo.version,
      namespace: argo.namespace,
      readySeconds: argo.readySeconds,
      adminPassword: argo.adminPassword,
      access: `argocd CLI logged in to ${argo.server} (plain HTTP on loopback), user admin, password ${argo.adminPassword}. Its web UI is not part of the Go build: the lab page shows the Applications live instead. The application controller's metrics listener binds all interfaces on port ${argo.controllerMetricsPort} (hard-coded in Argo CD ${argo.version}).`,
      env: argo.env,
      webhook: { url: `${argo.serverUrl}/api/webhook`, secret: argo.webhookSecret },
      notice: argo.loginProblem,
    };
  },
  async hostServiceBinding() {
    // The repo-server runs on this machine: loopback is where it looks.
    return { host: '127.0.0.1', advertisedHost: '127.0.0.1' };
  },
};

// ---------------------------------------------------------------------------------------------
// kind

/** kind names are machine-wide: `dojo-<name>` for the learner's DOJO_HOME, a hashed suffix for any other. */
export function kindClusterName(name: string, dojoHome: string): string {
  const home = path.resolve(dojoHome);
  if (home === defaultDojoHome()) return `dojo-${name}`;
  return `dojo-${name}-${createHash('sha256').update(home).digest('hex').slice(0, 6)}`;
}

class KindStartedCluster implements StartedCluster {
  readonly provider = 'kind' as const;
  readonly name: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly how: StartKind;
  private readonly inner: Awaited<ReturnType<KindCluster['start']>>;
  constructor(inner: Awaited<ReturnType<KindCluster['start']>>, server: string) {
    this.inner = inner;
    this.name = inner.name;
    this.kubeconfig = inner.kubeconfig;
    this.server = server;
    this.how = inner.reused ? 'warm' : 'created';
  }
  get description(): string {
    return `kind cluster ${this.name}${this.inner.reused ? ' (reused, warm)' : ''}, KUBECONFIG=${this.kubeconfig}`;
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

export const kindProvider: ClusterProvider = {
  name: 'kind',
  async startCluster(o) {
    const env = o.env ?? process.env;
    const engine = await detectDockerEngine(env);
    const started = await new KindCluster({
      name: kindClusterName(o.name, o.dojoHome),
      dojoHome: o.dojoHome,
      env: { ...env, ...engine.env },
      ...(o.keepWarm !== undefined ? { keepWarm: o.keepWarm } : {}),
    }).start((p) => o.onProgress?.(p.message, 0.5), o.signal);
    const server = await new Kubectl(started.kubeconfig, { env })
      .run(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])
      .catch(() => '');
    return new KindStartedCluster(started, server.trim());
  },
  async startArgoCd(cluster, o) {
    const env = o.env ?? process.env;
    const argo = await installArgoCd({
      kubectl: new Kubectl(cluster.kubeconfig, { env }),
      dojoHome: o.dojoHome,
      env,
      onProgress: (message, fraction) => o.onProgress?.(message, fraction),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return {
      version: argo.version,
      namespace: argo.namespace,
      readySeconds: argo.readySeconds,
      adminPassword: argo.adminPassword,
      access: `${argo.version} in namespace argocd, ready in ${argo.readySeconds} s; UI: kubectl -n argocd port-forward svc/argocd-server 8080:443, user admin, password ${argo.adminPassword ?? '(initial secret deleted)'}; CLI: argocd login once with that password (it port-forwards by itself)`,
      // The CLI port-forwards to argocd-server itself (no exposed port); the server's certificate
      // is self-signed, hence --insecure.
      env: { ARGOCD_OPTS: '--port-forward --port-forward-namespace argocd --insecure' },
      webhook: null,
      notice: null,
    };
  },
  async hostServiceBinding(_cluster, env = process.env) {
    const engine = await detectDockerEngine(env);
    // Native Linux: pods reach the host on the kind network's gateway. Docker Desktop and Podman
    // machines: the VM forwards host.docker.internal / host.containers.internal to 127.0.0.1.
    const gateway = process.platform === 'linux' ? await kindNetworkGateway(engine.binary) : null;
    const host = env['DOJO_GIT_BIND'] ?? gateway ?? '127.0.0.1';
    const advertisedHost = gateway ?? (engine.cli === 'podman' ? 'host.containers.internal' : 'host.docker.internal');
    return { host, advertisedHost };
  },
};

export function clusterProvider(provider: ProviderName): ClusterProvider {
  return provider === 'docker' ? kindProvider : processProvider;
}
