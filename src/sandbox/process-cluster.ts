/**
 * A Kubernetes cluster made of local processes: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and kwok (which plays the kubelet: fake Nodes, Pods that become Running, Ready
 * and Succeeded, so Deployment rollouts and Job completions are real API facts). No container
 * engine is needed; this is how every GitOps step is graded on machines without Docker (CI).
 *
 * Lifecycle as types: `new ProcessCluster(options)` → `start()` → `StartedProcessCluster`
 * (AsyncDisposable). The cluster *is* its folder `DOJO_HOME/clusters/<name>/` (PKI generated at
 * creation, etcd data, kubeconfigs, logs, `cluster.json`); processes are its running form. So:
 * - created: no folder yet: a new PKI, new ports, an empty etcd (about 5-8 s to a ready API);
 * - warm: its processes still run (kept warm, or started by another runner or `dojo cluster`),
 *   the API answers: adopted as is (well under a second);
 * - restarted: the folder exists but the processes are gone (runner restart, reboot, crash):
 *   the same PKI, ports and etcd data come back, so every object the learner made is still there.
 * `stop()` ends the processes and keeps the folder; `delete()` removes both.
 *
 * Every component is spawned detached (own session, output to `logs/<component>.log`) and its
 * pid + kernel start time are written to `cluster.json` and handed to `onProcess` before the
 * start goes on, so a runner killed at any moment leaves records the next start reaps.
 * Ports are free loopback ports chosen at creation and reused after (kubeconfigs, Argo CD cluster
 * Secrets and Terraform outputs name them); if one was taken meanwhile, a new one is picked and the
 * kubeconfigs rewritten.
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import createDebug from 'debug';
import { freePort, portIsFree } from './free-port.ts';
import { listensOn } from './listening-sockets.ts';
import {
  findProcessBinaries,
  PROCESS_INSTALL_HINT,
  PROCESS_VERSIONS,
  processProviderProblem,
} from './process-binaries.ts';
import { ensureClusterPki, pkiPaths, type ClusterPki } from './process-cluster/cluster-pki.ts';
import {
  clusterDir,
  clusterNameSchema,
  clustersDir,
  ownerAlive,
  readClusterRecord,
  removeClusterFolder,
  selfOwner,
  withClusterLock,
  writeClusterRecord,
  type ClusterRecord,
  type ComponentRecord,
} from './process-cluster/cluster-record.ts';
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  fakeNodeManifest,
  kwokArgs,
  schedulerArgs,
  type ControlPlaneLayout,
  type ControlPlanePorts,
} from './process-cluster/control-plane-args.ts';
import { KubeApi } from './process-cluster/kube-api.ts';
import { writeKubeconfig } from './process-cluster/kubeconfig-file.ts';
import {
  baseEnvironment,
  isRunning,
  startComponent,
  stopComponents,
  waitReady,
  type RunningComponent,
} from './process-cluster/supervised-process.ts';

const debug = createDebug('dojo:sandbox:process-cluster');

/** Control-plane components in start order (add-ons such as Argo CD append their own). */
export const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

export class ProcessClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessClusterError';
  }
}

export interface ProcessClusterOptions {
  /** Cluster name, unique within DOJO_HOME, e.g. "gitops" or "dev". */
  name: string;
  dojoHome: string;
  env?: NodeJS.ProcessEnv;
  /** Keep the processes running after stop() and after the runner exits (DOJO_KEEP_CLUSTER=1). */
  keepWarm?: boolean;
  /** Free-form labels, e.g. { lab: "multi-env-gitops" }. */
  labels?: Record<string, string>;
  /** Settings that define the cluster; a different value on an existing cluster recreates it. */
  settings?: Record<string, string | number | boolean>;
  /** Who starts it, for messages ("runner", "dojo cluster create"). */
  owner?: string;
  /** The process that owns it when not the caller (a runner whose lab terminal ran `dojo cluster create`). */
  ownerProcess?: { pid: number; startTime: string };
  /** Called synchronously for each process spawned, before start() goes on. */
  onProcess?: (c: RunningComponent) => void;
  onProgress?: (message: string, fraction: number) => void;
  signal?: AbortSignal;
  /** Per-component readiness timeout. */
  componentTimeoutMs?: number;
}

export type StartKind = 'created' | 'restarted' | 'warm';

function ownerOf(o: ProcessClusterOptions): ClusterRecord['owner'] {
  const what = o.owner ?? 'runner';
  return o.ownerProcess ? { ...o.ownerProcess, what } : selfOwner(what);
}

async function portFreeWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await portIsFree(port)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const PORT_ROLES = [
  'etcdClient',
  'etcdPeer',
  'etcdMetrics',
  'apiserver',
  'controllerManager',
  'scheduler',
  'kwok',
] as const;

/** Every running component of a record (control plane and add-ons). */
export function runningComponents(record: ClusterRecord | null): ComponentRecord[] {
  return (record?.components ?? []).filter((c) => isRunning(c));
}

export class ProcessCluster {
  readonly options: ProcessClusterOptions;

  constructor(options: ProcessClusterOptions) {
    const name = clusterNameSchema.safeParse(options.name);
    if (!name.success)
      throw new ProcessClusterError(`cluster name "${options.name}": ${name.error.issues[0]?.message}`);
    this.options = options;
  }

  get dir(): string {
    return clusterDir(this.options.dojoHome, this.options.name);
  }

  async start(): Promise<StartedProcessCluster> {
    const problem = processProviderProblem(this.options.env ?? process.env);
    if (problem) throw new ProcessClusterError(`cannot start cluster "${this.options.name}": ${problem}`);
    return withClusterLock(this.options.dojoHome, this.options.name, this.options.owner ?? 'runner', () =>
      this.startLocked(),
    );
  }

  private async startLocked(): Promise<StartedProcessCluster> {
    const o = this.options;
    const t0 = Date.now();
    const progress = o.onProgress ?? (() => undefined);
    const wantedSettings = { ...(o.settings ?? {}) };
    let record = readClusterRecord(o.dojoHome, o.name);

    if (record && JSON.stringify(record.settings) !== JSON.stringify(wantedSettings)) {
      progress(`Cluster ${o.name} was made with other settings; recreating it`, 0.02);
      await stopComponents(record.components);
      removeClusterFolder(o.dojoHome, o.name);
      record = null;
    }

    const layout = await this.layout(record);
    const api = new KubeApi(`https://127.0.0.1:${layout.ports.apiserver}`, {
      caFile: layout.pki.caCert,
      certFile: layout.pki.adminCert,
      keyFile: layout.pki.adminKey,
    });

    // Warm: every control-plane process is the one recorded and the API answers.
    if (record) {
      const live = runningComponents(record);
      const controlPlaneUp = CONTROL_PLANE.every((c) => live.some((l) => l.component === c));
      // Processes alive but the API slow (a busy machine): give it a few seconds before restarting.
      const answers = async () => {
        for (let i = 0; i < 5; i++) if (await api.ok('/readyz', 3000)) return true;
        return false;
      };
      if (controlPlaneUp && (await answers())) {
        record.owner = o.keepWarm ? null : ownerOf(o);
        record.keepWarm = o.keepWarm ?? record.keepWarm;
        record.labels = { ...record.labels, ...(o.labels ?? {}) };
        writeClusterRecord(o.dojoHome, record);
        for (const c of live) o.onProcess?.(c);
        progress(`Cluster ${o.name} is already running: reused`, 1);
        api.close();
        return new StartedProcessCluster(this, layout, record, 'warm', Date.now() - t0);
      }
      // Whatever half of it still runs is stopped: it starts again as one piece.
      if (live.length) {
        progress(`Cluster ${o.name}: stopping ${live.length} leftover process(es)`, 0.02);
        await stopComponents(live);
      }
    }

    const kind: StartKind = record ? 'restarted' : 'created';
    const fresh: ClusterRecord = {
      version: 1,
      name: o.name,
      provider: 'process',
      createdAt: record?.createdAt ?? new Date().toISOString(),
      kubernetesVersion: PROCESS_VERSIONS.kubernetes,
      ports: { ...(record?.ports ?? {}), ...layout.ports },
      owner: o.keepWarm ? null : ownerOf(o),
      keepWarm: o.keepWarm ?? false,
      labels: { ...(record?.labels ?? {}), ...(o.labels ?? {}) },
      settings: wantedSettings,
      components: [],
      addons: record?.addons ?? {},
    };
    writeClusterRecord(o.dojoHome, fresh);
    const started = new StartedProcessCluster(this, layout, fresh, kind, 0);
    try {
      await started.bootControlPlane(api, progress);
    } catch (err) {
      // The lock is ours already: stop what was started without taking it again.
      await started.stopProcesses().catch(() => undefined);
      throw err;
    } finally {
      api.close();
    }
    started.startMs = Date.now() - t0;
    progress(`Cluster ${o.name} ${kind} in ${(started.startMs / 1000).toFixed(1)} s`, 1);
    return started;
  }

  /** Paths, PKI and ports for this start: the recorded ports when still free, new ones otherwise. */
  private async layout(record: ClusterRecord | null): Promise<ControlPlaneLayout> {
    const o = this.options;
    const dir = this.dir;
    await mkdir(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
    const { pki } = await ensureClusterPki(path.join(dir, 'pki'), o.name);
    const ports = {} as ControlPlanePorts;
    const ours = new Set(runningComponents(record).map((c) => c.pid));
    for (const role of PORT_ROLES) {
      const saved = record?.ports[role];
      // A recorded port held by our own live process is still ours (warm check follows). A port
      // just given up by a stopped component stays busy for a few seconds while its connections
      // close: wait for it rather than move the API server and invalidate every kubeconfig.
      ports[role] = saved && (ours.size > 0 || (await portFreeWithin(saved, 8000))) ? saved : await freePort();
    }
    const bins = findProcessBinaries(o.env ?? process.env);
    return {
      name: o.name,
      dir,
      pki,
      ports,
      kubeconfigs: {
        admin: path.join(dir, 'kubeconfig'),
        controllerManager: path.join(dir, 'controller-manager.kubeconfig'),
        scheduler: path.join(dir, 'scheduler.kubeconfig'),
      },
      kwokStages: bins.share.kwokStages,
    };
  }
}

export class StartedProcessCluster implements AsyncDisposable {
  readonly name: string;
  readonly dir: string;
  readonly layout: ControlPlaneLayout;
  readonly kind: StartKind;
  startMs: number;
  private record: ClusterRecord;
  private readonly cluster: ProcessCluster;

  constructor(
    cluster: ProcessCluster,
    layout: ControlPlaneLayout,
    record: ClusterRecord,
    kind: StartKind,
    startMs: number,
  ) {
    this.cluster = cluster;
    this.name = record.name;
    this.dir = layout.dir;
    this.layout = layout;
    this.record = record;
    this.kind = kind;
    this.startMs = startMs;
  }

  /** The admin kubeconfig (embedded certificates, server https://127.0.0.1:<port>). */
  get kubeconfig(): string {
    return this.layout.kubeconfigs.admin;
  }
  get server(): string {
    return `https://127.0.0.1:${this.layout.ports.apiserver}`;
  }
  get pki(): ClusterPki {
    return this.layout.pki;
  }
  get pids(): number[] {
    return this.record.components.map((c) => c.pid);
  }
  get components(): ComponentRecord[] {
    return [...this.record.components];
  }
  get keepWarm(): boolean {
    return this.record.keepWarm;
  }
  get dojoHome(): string {
    return this.cluster.options.dojoHome;
  }
  get env(): NodeJS.ProcessEnv {
    return this.cluster.options.env ?? process.env;
  }

  /** An authenticated client for the driver's own calls (close it when done). */
  api(): KubeApi {
    return new KubeApi(this.server, {
      caFile: this.layout.pki.caCert,
      certFile: this.layout.pki.adminCert,
      keyFile: this.layout.pki.adminKey,
    });
  }

  /** Facts an add-on keeps for the next run (e.g. Argo CD's ports and admin password). */
  addon(name: string): Record<string, string> {
    return { ...(this.record.addons[name] ?? {}) };
  }
  setAddon(name: string, facts: Record<string, string>): void {
    this.record = readClusterRecord(this.dojoHome, this.name) ?? this.record;
    this.record.addons[name] = facts;
    writeClusterRecord(this.dojoHome, this.record);
  }
  /** A port kept in the record under `role`, allocated (and recorded) the first time it is asked for. */
  async port(role: string): Promise<number> {
    const saved = this.record.ports[role];
    if (saved && (this.record.components.some((c) => isRunning(c)) ? true : await portFreeWithin(saved, 8000)))
      return saved;
    const port = await freePort();
    this.record.ports[role] = port;
    writeClusterRecord(this.dojoHome, this.record);
    return port;
  }

  /**
   * Spawns one more process of this cluster (a control-plane component or an add-on's), recording
   * it in cluster.json and through onProcess before returning.
   */
  async spawn(
    component: string,
    binary: string,
    args: string[],
    env: Record<string, string>,
  ): Promise<RunningComponent> {
    const o = this.cluster.options;
    return startComponent(
      {
        component,
        binary,
        args,
        env,
        cwd: this.dir,
        logFile: path.join(this.dir, 'logs', `${component}.log`),
      },
      (running) => {
        this.record.components = [...this.record.components.filter((c) => c.component !== component), running];
        writeClusterRecord(this.dojoHome, this.record);
        o.onProcess?.(running);
      },
    );
  }

  /** Is the recorded `component` alive? */
  running(component: string): ComponentRecord | null {
    const c = this.record.components.find((x) => x.component === component);
    return c && isRunning(c) ? c : null;
  }

  /** @internal Starts etcd, the API server, then the controllers and kwok, each awaited. */
  async bootControlPlane(api: KubeApi, progress: (message: string, fraction: number) => void): Promise<void> {
    const o = this.cluster.options;
    const l = this.layout;
    const timeoutMs = o.componentTimeoutMs ?? 90_000;
    const env = o.env ?? process.env;
    const bins = findProcessBinaries(env);
    const need = (name: keyof typeof bins.bin): string => {
      const b = bins.bin[name];
      if (!b) throw new ProcessClusterError(`${name} is missing. ${PROCESS_INSTALL_HINT}`);
      return b;
    };
    const childEnv = baseEnvironment(env);
    const wait = { timeoutMs, ...(o.signal ? { signal: o.signal } : {}) };
    const kubeconfig = (file: string, certFile: string, keyFile: string, user: string) =>
      writeKubeconfig(file, {
        name: user,
        server: `https://127.0.0.1:${l.ports.apiserver}`,
        caFile: l.pki.caCert,
        certFile,
        keyFile,
      });
    await Promise.all([
      kubeconfig(l.kubeconfigs.admin, l.pki.adminCert, l.pki.adminKey, `dojo-${l.name}`),
      kubeconfig(
        l.kubeconfigs.controllerManager,
        l.pki.controllerManagerCert,
        l.pki.controllerManagerKey,
        'controller-manager',
      ),
      kubeconfig(l.kubeconfigs.scheduler, l.pki.schedulerCert, l.pki.schedulerKey, 'scheduler'),
    ]);

    progress(`Starting etcd ${PROCESS_VERSIONS.etcd} on 127.0.0.1:${l.ports.etcdClient}`, 0.05);
    const etcd = await this.spawn('etcd', need('etcd'), etcdArgs(l), childEnv);
    const etcdApi = new KubeApi(`https://127.0.0.1:${l.ports.etcdClient}`, {
      caFile: l.pki.caCert,
      certFile: l.pki.etcdClientCert,
      keyFile: l.pki.etcdClientKey,
    });
    try {
      await waitReady(etcd, `etcd's /health on 127.0.0.1:${l.ports.etcdClient}`, () => etcdApi.ok('/health'), wait);
    } finally {
      etcdApi.close();
    }

    progress(`Starting kube-apiserver ${PROCESS_VERSIONS.kubernetes} on https://127.0.0.1:${l.ports.apiserver}`, 0.2);
    const apiserver = await this.spawn('kube-apiserver', need('kube-apiserver'), apiserverArgs(l), childEnv);
    await waitReady(
      apiserver,
      `the API server's /readyz on 127.0.0.1:${l.ports.apiserver}`,
      () => api.ok('/readyz'),
      wait,
    );

    progress('Starting the controller-manager, the scheduler and kwok', 0.6);
    const [cm, scheduler, kwok] = await Promise.all([
      this.spawn('kube-controller-manager', need('kube-controller-manager'), controllerManagerArgs(l), childEnv),
      this.spawn('kube-scheduler', need('kube-scheduler'), schedulerArgs(l), childEnv),
      this.spawn('kwok', need('kwok'), kwokArgs(l), childEnv),
    ]);
    // The controller-manager and scheduler serve /healthz with their own self-signed certificate:
    // readiness is "listens on its port". Not "something answers there": a port another program
    // held answered for a scheduler that then died of "address already in use" (seen in CI as a
    // cluster reported made but "partly running"). /proc says who holds it; elsewhere a connect.
    const listening = (component: RunningComponent, port: number) => {
      const own = listensOn(component.pid, port);
      if (own !== null) return Promise.resolve(own);
      return new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
    };
    const nodeName = `${l.name}-node`;
    await Promise.all([
      waitReady(
        cm,
        `the controller-manager on 127.0.0.1:${l.ports.controllerManager}`,
        () => listening(cm, l.ports.controllerManager),
        wait,
      ),
      waitReady(
        scheduler,
        `the scheduler on 127.0.0.1:${l.ports.scheduler}`,
        () => listening(scheduler, l.ports.scheduler),
        wait,
      ),
      (async () => {
        await api.ensure('/api/v1/nodes', JSON.parse(fakeNodeManifest(nodeName)));
        await waitReady(
          kwok,
          `kwok to make Node ${nodeName} Ready`,
          // And kwok holds its own port: it marks the node before it binds, so a port taken by
          // another program would end it right after "ready".
          async () =>
            nodeReady(await api.request('GET', `/api/v1/nodes/${nodeName}`)) &&
            (listensOn(kwok.pid, l.ports.kwok) ?? true),
          wait,
        );
      })(),
      // Pods need their namespace's "default" ServiceAccount. The controller-manager makes it once
      // its informers have synced (seconds on a busy machine); making the first one here lets
      // work in "default" start at once, and later namespaces get theirs from the controller.
      api.ensure('/api/v1/namespaces/default/serviceaccounts', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: 'default' },
      }),
    ]);
    progress(`Cluster ${l.name} ready`, 0.95);
  }

  /** Ends every process of the cluster (add-ons included) and keeps its folder. Kept-warm clusters keep running. */
  async stop(): Promise<void> {
    const current = readClusterRecord(this.dojoHome, this.name) ?? this.record;
    if (current.keepWarm) {
      current.owner = null;
      writeClusterRecord(this.dojoHome, current);
      return;
    }
    await withClusterLock(this.dojoHome, this.name, 'stop', () => this.stopProcesses());
  }

  /** @internal Ends the recorded processes (the caller holds the cluster's lock). */
  async stopProcesses(): Promise<void> {
    const latest = readClusterRecord(this.dojoHome, this.name) ?? this.record;
    await stopComponents([...latest.components].reverse());
    latest.components = [];
    latest.owner = null;
    writeClusterRecord(this.dojoHome, latest);
    this.record = latest;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function nodeReady(answer: { status: number; body: string }): boolean {
  if (answer.status !== 200) return false;
  try {
    const node = JSON.parse(answer.body) as { status?: { conditions?: { type: string; status: string }[] } };
    return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  } catch {
    return false;
  }
}

/** What `dojo cluster list` shows for each cluster of a DOJO_HOME. */
export interface ClusterSummary {
  name: string;
  state: 'running' | 'stopped' | 'partly running';
  /** Control-plane processes not running while others are ("partly running"): what to look at. */
  down: string[];
  server: string | null;
  kubeconfig: string;
  labels: Record<string, string>;
  keepWarm: boolean;
  owner: string | null;
  processes: number;
  createdAt: string;
}

export function listProcessClusters(dojoHome: string): ClusterSummary[] {
  let names: string[];
  try {
    names = readdirSync(clustersDir(dojoHome), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
  const out: ClusterSummary[] = [];
  for (const name of names.sort()) {
    const record = readClusterRecord(dojoHome, name);
    if (!record) continue;
    const live = runningComponents(record);
    const down = live.length ? CONTROL_PLANE.filter((c) => !live.some((l) => l.component === c)) : [];
    out.push({
      name,
      state: !down.length && live.length ? 'running' : live.length ? 'partly running' : 'stopped',
      down: [...down],
      server: record.ports['apiserver'] ? `https://127.0.0.1:${record.ports['apiserver']}` : null,
      kubeconfig: path.join(clusterDir(dojoHome, name), 'kubeconfig'),
      labels: record.labels,
      keepWarm: record.keepWarm,
      owner: record.owner && ownerAlive(record.owner) ? `${record.owner.what} (pid ${record.owner.pid})` : null,
      processes: live.length,
      createdAt: record.createdAt,
    });
  }
  return out;
}

/** Stops a cluster's processes and keeps its data. */
export async function stopProcessCluster(dojoHome: string, name: string): Promise<boolean> {
  return withClusterLock(dojoHome, name, 'dojo cluster stop', async () => {
    const record = readClusterRecord(dojoHome, name);
    if (!record) return false;
    await stopComponents([...record.components].reverse());
    record.components = [];
    record.owner = null;
    writeClusterRecord(dojoHome, record);
    return true;
  });
}

/** Stops a cluster's processes and removes its folder (PKI, etcd data, kubeconfig). */
export async function deleteProcessCluster(dojoHome: string, name: string): Promise<boolean> {
  return withClusterLock(dojoHome, name, 'dojo cluster delete', async () => {
    const record = readClusterRecord(dojoHome, name);
    if (record) await stopComponents([...record.components].reverse());
    const existed = record !== null;
    removeClusterFolder(dojoHome, name);
    return existed;
  });
}

/**
 * On runner start: clusters whose owner died (a crashed runner) and that are not kept warm have
 * their processes stopped; their data stays, so the next start restarts them as they were.
 */
export async function reapProcessClusters(dojoHome: string): Promise<{ name: string; stopped: number }[]> {
  const out: { name: string; stopped: number }[] = [];
  for (const summary of listProcessClusters(dojoHome)) {
    const record = readClusterRecord(dojoHome, summary.name);
    if (!record || record.keepWarm || ownerAlive(record.owner)) continue;
    const live = runningComponents(record);
    if (!live.length) continue;
    debug('reaping %d process(es) of cluster %s (owner gone)', live.length, summary.name);
    await stopProcessCluster(dojoHome, summary.name);
    out.push({ name: summary.name, stopped: live.length });
  }
  return out;
}

export { pkiPaths };

/** On runner shutdown: stops the clusters this process owns (kept-warm ones have no owner). */
export async function stopOwnedProcessClusters(dojoHome: string, pid = process.pid): Promise<string[]> {
  const stopped: string[] = [];
  for (const summary of listProcessClusters(dojoHome)) {
    const record = readClusterRecord(dojoHome, summary.name);
    if (!record || record.owner?.pid !== pid || !runningComponents(record).length) continue;
    await stopProcessCluster(dojoHome, summary.name);
    stopped.push(summary.name);
  }
  return stopped;
}
