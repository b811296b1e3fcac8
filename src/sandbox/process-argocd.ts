/**
 * Argo CD as local processes on a process cluster: the pinned release's CRDs and config objects,
 * the `default` AppProject, then redis, the repo-server (with kustomize, helm and git on its
 * PATH), the application controller, the ApplicationSet controller and argocd-server with its API,
 * so the `argocd` CLI works in the lab terminal. One binary (the release's multicall `argocd`)
 * plays each role, chosen by ARGOCD_BINARY_NAME; ARGOCD_FAKE_IN_CLUSTER makes the in-cluster
 * destination (https://kubernetes.default.svc) mean the cluster of our kubeconfig.
 *
 * Everything binds 127.0.0.1 except the application controller's metrics listener, which Argo CD
 * v3.6.1 hard-codes to 0.0.0.0 (no flag): it gets a random high port, and doctor and the README
 * say so. Redis has a password (other users of the machine share its loopback).
 *
 * The components are the cluster's: recorded in its cluster.json, stopped with it, and adopted
 * as they are when the cluster is reused warm. Their state lives in the cluster (Applications,
 * Secrets), so a restarted cluster brings Argo CD back with everything the learner made.
 *
 * Reconciliation: ARGOCD_RECONCILIATION_TIMEOUT (20 s) is read by the controller (resync period)
 * and by the repo-server (its ls-remote cache): both must be short or a new commit waits minutes.
 * The lab Git server also calls argocd-server's /api/webhook on every push, like a GitHub webhook,
 * so a pushed commit is normally picked up within a couple of seconds.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { findProcessBinaries, PROCESS_INSTALL_HINT, PROCESS_VERSIONS } from './process-binaries.ts';
import type { StartedProcessCluster } from './process-cluster.ts';
import { KubeApi } from './process-cluster/kube-api.ts';
import { writeKubeconfig } from './process-cluster/kubeconfig-file.ts';
import {
  baseEnvironment,
  stopComponents,
  waitReady,
  type RunningComponent,
} from './process-cluster/supervised-process.ts';
import { Kubectl } from './kubectl.ts';
import { toolEnv, which } from './which.ts';

export const ARGOCD_PROCESS_COMPONENTS = [
  'redis',
  'argocd-repo-server',
  'argocd-application-controller',
  'argocd-applicationset-controller',
  'argocd-server',
] as const;
export const ARGOCD_NAMESPACE = 'argocd';
/** How often Argo CD looks at Git and the cluster when nothing tells it to (webhooks do). */
export const RECONCILIATION = '20s';

export class ProcessArgoCdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessArgoCdError';
  }
}

export interface StartedProcessArgoCd {
  version: string;
  namespace: string;
  /** host:port of argocd-server (plain HTTP/gRPC on loopback; the CLI needs --plaintext). */
  server: string;
  /** http://127.0.0.1:<port>, for the webhook and the lab page's own view. */
  serverUrl: string;
  adminPassword: string;
  /** Folder the `argocd` CLI reads its login from (ARGOCD_CONFIG_DIR). */
  cliConfigDir: string;
  /** The controller's metrics port, which listens on all interfaces (see the design note). */
  controllerMetricsPort: number;
  /** Seconds from the start of this call to every component ready. */
  readySeconds: number;
  reused: boolean;
  /** Signs push events sent to `${serverUrl}/api/webhook` (argocd-secret webhook.github.secret). */
  webhookSecret: string;
  /** Why the CLI is not logged in, or null. */
  loginProblem: string | null;
  /** Environment for the lab terminal: the CLI logged in and pointed at this server. */
  env: Record<string, string>;
}

export interface ProcessArgoCdOptions {
  onProgress?: (message: string, fraction: number) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const defaultProject = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name: 'default', namespace: ARGOCD_NAMESPACE },
  spec: {
    sourceRepos: ['*'],
    destinations: [{ namespace: '*', server: '*' }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
  },
};

/** Data keys set in argocd-cm (a separate field manager, so the release's defaults stay as they are). */
export function argoCdSettings(): Record<string, string> {
  return {
    'timeout.reconciliation': RECONCILIATION,
    'timeout.reconciliation.jitter': '0s',
    // The Git server is ours and on loopback; no SSH known hosts or TLS roots are involved.
    'admin.enabled': 'true',
  };
}

async function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * Makes Argo CD run on `cluster`: reuses its components when they all still run and answer,
 * otherwise (re)starts them.
 */
export async function startProcessArgoCd(
  cluster: StartedProcessCluster,
  options: ProcessArgoCdOptions = {},
): Promise<StartedProcessArgoCd> {
  const t0 = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const env = cluster.env;
  const bins = findProcessBinaries(env);
  const argocd = bins.bin.argocd;
  const redisServer = bins.bin['redis-server'];
  if (!argocd || !redisServer) {
    throw new ProcessArgoCdError(
      `Argo CD needs ${[!argocd && 'argocd', !redisServer && 'redis-server'].filter(Boolean).join(' and ')}. ${PROCESS_INSTALL_HINT}`,
    );
  }
  const dir = path.join(cluster.dir, 'argocd');
  const dirs = {
    tmp: path.join(dir, 'tmp'),
    tls: path.join(dir, 'tls'),
    ssh: path.join(dir, 'ssh'),
    gpg: path.join(dir, 'gnupg'),
    cli: path.join(dir, 'cli'),
    bin: path.join(dir, 'bin'),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true, mode: 0o700 });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, {
    name: 'argocd',
    server: cluster.server,
    caFile: cluster.pki.caCert,
    certFile: cluster.pki.adminCert,
    keyFile: cluster.pki.adminKey,
    namespace: ARGOCD_NAMESPACE,
  });

  const facts = cluster.addon('argocd');
  const redisPassword = facts['redisPassword'] ?? randomBytes(18).toString('base64url');
  const webhookSecret = facts['webhookSecret'] ?? randomBytes(24).toString('base64url');
  const ports = {
    redis: await cluster.port('argocd-redis'),
    repo: await cluster.port('argocd-repo-server'),
    repoMetrics: await cluster.port('argocd-repo-server-metrics'),
    controllerMetrics: await cluster.port('argocd-controller-metrics'),
    appsetMetrics: await cluster.port('argocd-applicationset-metrics'),
    appsetProbe: await cluster.port('argocd-applicationset-probe'),
    appsetWebhook: await cluster.port('argocd-applicationset-webhook'),
    server: await cluster.port('argocd-server'),
    serverMetrics: await cluster.port('argocd-server-metrics'),
  };
  const serverUrl = `http://127.0.0.1:${ports.server}`;

  let loginProblem: string | null = null;
  const allRunning = ARGOCD_PROCESS_COMPONENTS.every((c) => cluster.running(c));
  if (allRunning && facts['adminPassword'] && facts['webhookSecret'] && (await httpOk(`${serverUrl}/healthz`))) {
    progress(`Argo CD ${PROCESS_VERSIONS.argocd} is already running: reused`, 1);
    return finish(true);
  }

  // Objects first: the controllers read their configuration at start.
  const kubectl = new Kubectl(cluster.kubeconfig, { ...(bins.bin.kubectl ? { binary: bins.bin.kubectl } : {}), env });
  progress(`Applying Argo CD ${PROCESS_VERSIONS.argocd} CRDs and configuration (server-side)`, 0.05);
  await kubectl.applyServerSide({ yaml: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ARGOCD_NAMESPACE}\n` });
  await kubectl.applyServerSide({ file: bins.share.argocdCrds }, { forceConflicts: true });
  const configFiles = (await readdir(bins.share.argocdConfig)).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of configFiles) {
    // argocd-secret is left to argocd-server when it exists: it writes the signing key into it.
    await kubectl.applyServerSide({ file: path.join(bins.share.argocdConfig, f) }, { namespace: ARGOCD_NAMESPACE });
  }
  await kubectl.applyServerSide(
    {
      yaml: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'argocd-cm', namespace: ARGOCD_NAMESPACE },
        data: argoCdSettings(),
      }),
    },
    { fieldManager: 'gitops-dojo-settings' },
  );
  // Pushes to the lab Git server are announced like GitHub webhooks, signed with this secret.
  await kubectl.applyServerSide(
    {
      yaml: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'argocd-secret', namespace: ARGOCD_NAMESPACE },
        data: { 'webhook.github.secret': Buffer.from(webhookSecret).toString('base64') },
      }),
    },
    { fieldManager: 'gitops-dojo-settings' },
  );
  cluster.setAddon('argocd', { ...cluster.addon('argocd'), redisPassword, webhookSecret });
  const api = cluster.api();
  try {
    // CRDs must be served before the AppProject (and before the controllers' informers start).
    const crdsServed = async () => {
      const r = await api.request('GET', '/apis/argoproj.io/v1alpha1');
      return (
        r.status === 200 &&
        ['applications', 'appprojects', 'applicationsets'].every((n) => r.body.includes(`"name":"${n}"`))
      );
    };
    const t = Date.now();
    while (!(await crdsServed())) {
      if (Date.now() - t > 60_000)
        throw new ProcessArgoCdError(
          'timed out after 60 s waiting for the Argo CD CRDs to be served by the API server.',
        );
      await new Promise((r) => setTimeout(r, 150));
    }
    await api.ensure(`/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NAMESPACE}/appprojects`, defaultProject);
  } finally {
    api.close();
  }

  // git-verify-wrapper.sh must be on the repo-server's PATH, or every manifest generation fails
  // with "permission denied" (and that failure is cached in redis).
  const wrapper = path.join(dirs.bin, 'git-verify-wrapper.sh');
  if (!existsSync(wrapper)) {
    await writeFile(wrapper, await readFile(bins.share.gitVerifyWrapper));
    await chmod(wrapper, 0o755);
  }
  const toolPath = [dirs.bin, path.dirname(argocd), toolEnv(env)['PATH'] ?? ''].join(path.delimiter);
  for (const tool of ['git', 'kustomize']) {
    if (!which(tool, { ...env, PATH: toolPath })) {
      throw new ProcessArgoCdError(
        `Argo CD's repo-server needs ${tool} on PATH, found none. Fix: install ${tool} (scripts/toolchain.sh installs kustomize).`,
      );
    }
  }
  const common = baseEnvironment(env, {
    PATH: toolPath,
    KUBECONFIG: kubeconfig,
    ARGOCD_FAKE_IN_CLUSTER: 'true',
    ARGOCD_RECONCILIATION_TIMEOUT: RECONCILIATION,
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_TLS_DATA_PATH: dirs.tls,
    ARGOCD_SSH_DATA_PATH: dirs.ssh,
    ARGOCD_GNUPGHOME: dirs.gpg,
    REDIS_PASSWORD: redisPassword,
    TMPDIR: dirs.tmp,
    HOME: dir,
  });
  const role = (name: string) => ({ ...common, ARGOCD_BINARY_NAME: name });
  const wait = { timeoutMs: options.timeoutMs ?? 90_000, ...(options.signal ? { signal: options.signal } : {}) };
  const redisAddr = `127.0.0.1:${ports.redis}`;
  const repoAddr = `127.0.0.1:${ports.repo}`;

  // Anything of Argo CD left half-running is restarted as a whole.
  await stopComponents(
    ARGOCD_PROCESS_COMPONENTS.map((c) => cluster.running(c)).filter((c): c is NonNullable<typeof c> => c !== null),
  );

  progress('Starting redis and the repo-server', 0.25);
  const redis = await cluster.spawn(
    'redis',
    redisServer,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(ports.redis),
      '--save',
      '',
      '--appendonly',
      'no',
      '--requirepass',
      redisPassword,
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
    ],
    baseEnvironment(env),
  );
  const repo = await cluster.spawn(
    'argocd-repo-server',
    argocd,
    [
      '--address',
      '127.0.0.1',
      '--port',
      String(ports.repo),
      '--metrics-address',
      '127.0.0.1',
      '--metrics-port',
      String(ports.repoMetrics),
      '--disable-tls',
      '--client-ca-path=',
      '--redis',
      redisAddr,
      '--loglevel',
      'warn',
    ],
    role('argocd-repo-server'),
  );
  await waitReady(redis, `redis on ${redisAddr}`, () => tcpOpen(ports.redis), wait);
  await waitReady(
    repo,
    `the repo-server on ${repoAddr}`,
    () => httpOk(`http://127.0.0.1:${ports.repoMetrics}/healthz`),
    wait,
  );

  progress('Starting the application controller, the ApplicationSet controller and argocd-server', 0.55);
  const [controller, appset, server] = await Promise.all([
    cluster.spawn(
      'argocd-application-controller',
      argocd,
      [
        '--repo-server',
        repoAddr,
        '--repo-server-plaintext',
        '--redis',
        redisAddr,
        '--metrics-port',
        String(ports.controllerMetrics),
        '--self-heal-timeout-seconds',
        '0',
        '--status-processors',
        '4',
        '--operation-processors',
        '2',
        '--loglevel',
        'warn',
      ],
      role('argocd-application-controller'),
    ),
    cluster.spawn(
      'argocd-applicationset-controller',
      argocd,
      [
        '--argocd-repo-server',
        repoAddr,
        '--repo-server-plaintext',
        '--metrics-addr',
        `127.0.0.1:${ports.appsetMetrics}`,
        '--probe-addr',
        `127.0.0.1:${ports.appsetProbe}`,
        '--webhook-addr',
        `127.0.0.1:${ports.appsetWebhook}`,
        '--enable-leader-election=false',
        '--loglevel',
        'warn',
      ],
      role('argocd-applicationset-controller'),
    ),
    cluster.spawn(
      'argocd-server',
      argocd,
      [
        '--insecure',
        '--address',
        '127.0.0.1',
        '--port',
        String(ports.server),
        '--metrics-port',
        String(ports.serverMetrics),
        '--repo-server',
        repoAddr,
        '--repo-server-plaintext',
        '--redis',
        redisAddr,
        '--loglevel',
        'warn',
      ],
      role('argocd-server'),
    ),
  ]);
  await Promise.all([
    waitReady(
      controller,
      `the application controller's /healthz on port ${ports.controllerMetrics}`,
      () => httpOk(`http://127.0.0.1:${ports.controllerMetrics}/healthz`),
      wait,
    ),
    waitReady(
      appset,
      `the ApplicationSet controller on 127.0.0.1:${ports.appsetProbe}`,
      () => tcpOpen(ports.appsetProbe),
      wait,
    ),
    waitReady(server, `argocd-server's /healthz on ${serverUrl}`, () => httpOk(`${serverUrl}/healthz`), wait),
  ]);

  progress('Reading the admin password and logging the argocd CLI in', 0.9);
  // Kept from the first start: the learner may delete the initial secret, as Argo CD advises.
  const password = facts['adminPassword'] ?? (await initialAdminPassword(kubectl, server));
  cluster.setAddon('argocd', { ...cluster.addon('argocd'), redisPassword, webhookSecret, adminPassword: password });
  const login = await execa(
    argocd,
    [
      'login',
      `127.0.0.1:${ports.server}`,
      '--plaintext',
      '--username',
      'admin',
      '--password',
      password,
      '--name',
      'dojo',
    ],
    {
      env: { ...baseEnvironment(env), ARGOCD_CONFIG_DIR: dirs.cli, HOME: dir },
      extendEnv: false,
      stdin: 'ignore',
      timeout: 30_000,
      reject: false,
    },
  );
  // A learner who changed the admin password logs in again by hand; Argo CD itself is fine.
  loginProblem =
    login.exitCode === 0
      ? null
      : `the argocd CLI could not log in as admin (${String(login.stderr).trim().split('\n').pop()}); run "argocd login ${`127.0.0.1:${ports.server}`} --plaintext" yourself.`;
  return finish(false);

  function finish(reused: boolean): StartedProcessArgoCd {
    const adminPassword = cluster.addon('argocd')['adminPassword'] ?? '';
    return {
      version: PROCESS_VERSIONS.argocd,
      namespace: ARGOCD_NAMESPACE,
      server: `127.0.0.1:${ports.server}`,
      serverUrl,
      adminPassword,
      cliConfigDir: dirs.cli,
      controllerMetricsPort: ports.controllerMetrics,
      readySeconds: Math.round((Date.now() - t0) / 100) / 10,
      reused,
      loginProblem,
      webhookSecret,
      env: {
        ARGOCD_CONFIG_DIR: dirs.cli,
        ARGOCD_SERVER: `127.0.0.1:${ports.server}`,
        ARGOCD_OPTS: '--plaintext',
      },
    };
  }
}

/** The password argocd-server put in argocd-initial-admin-secret at its first start. */
async function initialAdminPassword(kubectl: Kubectl, server: RunningComponent): Promise<string> {
  let password = '';
  await waitReady(
    server,
    'the secret argocd-initial-admin-secret (written by argocd-server at its first start)',
    async () => {
      const secret = (await kubectl.get('secret', 'argocd-initial-admin-secret', ARGOCD_NAMESPACE)) as {
        data?: { password?: string };
      } | null;
      password = secret?.data?.password ? Buffer.from(secret.data.password, 'base64').toString('utf8') : '';
      return password !== '';
    },
    { timeoutMs: 60_000, intervalMs: 300 },
  );
  return password;
}

export { KubeApi };
