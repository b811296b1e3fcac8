/**
 * kind clusters through the `kind` CLI (execa): create, list, delete, with a pinned node image and
 * a generated config.
 *
 * Lifecycle: `new KindCluster(options)` → `start()` → `StartedKindCluster` (AsyncDisposable).
 * Our clusters are the ones named `dojo-*` (kind has no container labels of its own to set, so the
 * name prefix is the mark; the nodes also get the Kubernetes label `dev.gitops-dojo/cluster=true`).
 *
 * State: one record per cluster in `<DOJO_HOME>/kind/<name>.json` (config hash, owner pid) and its
 * kubeconfig next to it, so the learner's ~/.kube/config is never touched. On start:
 * - leftovers of a crashed runner (a `dojo-*` cluster whose owner process is gone and that was not
 *   kept warm on purpose) are deleted;
 * - a cluster of the same name and config that still answers is reused ("warm"): creating one
 *   costs 30–90 s, reusing it about 1 s. A different config or a dead API server means recreate.
 * Within one runner, `start()` of the same cluster twice shares it (reference-counted), and the
 * last `stop()` deletes it after `lingerMs` unless another lab starts in between; with
 * DOJO_KEEP_CLUSTER=1 it is kept across runner restarts instead.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import createDebug from 'debug';
import { execa } from 'execa';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { parseWithFriendlyErrors } from '../shared/friendly-error.ts';
import { firstLine } from './docker-engine.ts';
import { Kubectl } from './kubectl.ts';
import { toolEnv, which } from './which.ts';

const debug = createDebug('dojo:sandbox:kind');

export const KIND_VERSION = 'v0.32.0';
/** kind v0.32.0's default node image (pkg/apis/config/defaults/image.go at that tag), pinned by digest. */
export const KIND_NODE_IMAGE =
  'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';
export const CLUSTER_PREFIX = 'dojo-';
export const NODE_LABEL = 'dev.gitops-dojo/cluster';

export const portMappingSchema = z.strictObject({
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(1).max(65535),
  /** 127.0.0.1 by default: a lab's NodePorts are for this machine only. */
  listenAddress: z.string().default('127.0.0.1'),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
});

export const kindClusterOptionsSchema = z.strictObject({
  /** Cluster name; must start with "dojo-" so leftovers can be recognised and reaped. */
  name: z
    .string()
    .regex(/^dojo-[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
      error: 'expected a cluster name starting with "dojo-", e.g. "dojo-gitops"',
    })
    .max(40),
  /** DOJO_HOME: where records and kubeconfigs live. */
  dojoHome: z.string().min(1),
  nodeImage: z.string().default(KIND_NODE_IMAGE),
  portMappings: z.array(portMappingSchema).default([]),
  /** How long `kind create cluster --wait` waits for the control plane. */
  waitSeconds: z.number().int().positive().default(180),
  /** After the last user stops, keep the cluster this long for the next lab (ms). */
  lingerMs: z
    .number()
    .int()
    .min(0)
    .default(10 * 60_000),
  /** Keep the cluster across runner restarts (DOJO_KEEP_CLUSTER=1). */
  keepWarm: z.boolean().optional(),
  /** Environment for kind (KIND_EXPERIMENTAL_PROVIDER, DOCKER_HOST...). */
  env: z.custom<NodeJS.ProcessEnv>().optional(),
});

export type KindClusterOptions = z.input<typeof kindClusterOptionsSchema>;
type ResolvedOptions = z.output<typeof kindClusterOptionsSchema>;

export class KindError extends Error {
  /** kind's own stderr. */
  readonly output: string;
  constructor(message: string, output = '') {
    super(message);
    this.name = 'KindError';
    this.output = output;
  }
}

/** The kind config file for a cluster (kind.x-k8s.io/v1alpha4). */
export function kindConfig(options: Pick<ResolvedOptions, 'nodeImage' | 'portMappings'>): string {
  const node: Record<string, unknown> = {
    role: 'control-plane',
    image: options.nodeImage,
    labels: { [NODE_LABEL]: 'true' },
  };
  if (options.portMappings.length) node['extraPortMappings'] = options.portMappings;
  return toYaml({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    // The API server stays on loopback: the cluster is for this machine only.
    networking: { apiServerAddress: '127.0.0.1' },
    nodes: [node],
  });
}

export function configHash(config: string): string {
  return createHash('sha256').update(config).digest('hex').slice(0, 16);
}

export function kindCreateArgs(
  name: string,
  configPath: string,
  kubeconfigPath: string,
  waitSeconds: number,
): string[] {
  return [
    'create',
    'cluster',
    '--name',
    name,
    '--config',
    configPath,
    '--kubeconfig',
    kubeconfigPath,
    '--wait',
    `${waitSeconds}s`,
  ];
}

export function kindDeleteArgs(name: string, kubeconfigPath: string): string[] {
  return ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfigPath];
}

/**
 * Cluster names from `kind get clusters`: one per line on stdout; with none, kind prints
 * "No kind clusters found." on stderr and exits 0.
 */
export function parseKindClusters(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[a-z0-9][a-z0-9.-]*$/.test(l));
}

/** Turns kind's error output into one sentence with the fix. */
export function explainKindError(action: string, output: string): string {
  const text = output.trim();
  if (/Cannot connect to the Docker daemon|failed to get docker info|Is the docker daemon running/.test(text)) {
    // kind wraps the engine's answer after "Command Output:"; that line is the one worth quoting.
    const daemon =
      /Cannot connect to the Docker daemon[^\n]*/.exec(text)?.[0] ?? firstLine(text.replace(/^ERROR: /, ''));
    return `kind could not ${action}: no Docker engine answers (${daemon}). Start Docker Desktop or the Docker service, or use Podman with KIND_EXPERIMENTAL_PROVIDER=podman.`;
  }
  if (/executable file not found in \$PATH/.test(text)) {
    const cli = /exec: "([^"]+)"/.exec(text)?.[1] ?? 'the container CLI';
    return `kind could not ${action}: ${cli} is not installed. Install it, or unset KIND_EXPERIMENTAL_PROVIDER to use Docker.`;
  }
  if (/Cannot connect to Podman|unable to connect to Podman/.test(text)) {
    return `kind could not ${action}: the Podman engine does not answer. Run "podman machine start" (macOS/Windows) or "systemctl --user start podman.socket" (Linux).`;
  }
  if (/node\(s\) already exist for a cluster with the name/.test(text)) {
    return `kind could not ${action}: a cluster of that name already exists. Delete it with "kind delete cluster --name <name>" or let the runner reuse it.`;
  }
  if (/port is already allocated|address already in use/.test(text)) {
    return `kind could not ${action}: a host port the lab maps is already in use (${firstLine(text)}). Stop what uses it and start the lab again.`;
  }
  if (/timed out waiting for the condition|context deadline exceeded/.test(text)) {
    return `kind could not ${action}: the control plane did not become ready in time (${firstLine(text)}). Give the engine more CPU and memory (4 GiB or more), then retry.`;
  }
  return `kind could not ${action}: ${text || 'no output'}`;
}

export const clusterRecordSchema = z.strictObject({
  name: z.string(),
  configHash: z.string(),
  nodeImage: z.string(),
  /** The runner process using it; null when kept warm with no user. */
  ownerPid: z.number().int().nullable(),
  keepWarm: z.boolean(),
  createdAt: z.string(),
});
export type ClusterRecord = z.infer<typeof clusterRecordSchema>;

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What to do with an existing `dojo-*` cluster found at start: keep it (another live runner uses
 * it, or it was kept warm on purpose), or delete it (a crashed runner's leftover, or no record).
 */
export function reapDecision(
  record: ClusterRecord | null,
  isAlive: (pid: number | null) => boolean = alive,
): 'keep' | 'delete' {
  // No record in this DOJO_HOME: it belongs to another DOJO_HOME (a `dojo lab test` run, another
  // checkout) or to the learner; records are written before `kind create`, so ours always have one.
  if (!record) return 'keep';
  if (record.ownerPid !== null && record.ownerPid !== process.pid && isAlive(record.ownerPid)) return 'keep';
  if (record.keepWarm) return 'keep';
  return record.ownerPid === process.pid ? 'keep' : 'delete';
}

/** The kind CLI with the sandbox's environment; every failure explained. */
export class KindCli {
  readonly binary: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const binary = which('kind', env);
    if (!binary) {
      throw new KindError(
        `expected kind ${KIND_VERSION} on PATH, found none. Fix: brew install kind (macOS), winget install Kubernetes.kind (Windows), or go install sigs.k8s.io/kind@${KIND_VERSION} (Linux).`,
      );
    }
    this.binary = binary;
    this.env = env;
  }

  async run(
    args: string[],
    action: string,
    options: { signal?: AbortSignal; onLine?: (l: string) => void } = {},
  ): Promise<string> {
    debug('kind %s', args.join(' '));
    const child = execa(this.binary, args, {
      env: toolEnv(this.env),
      reject: false,
      stdin: 'ignore',
      all: true,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.onLine?.(line.trim());
    });
    const r = await child;
    if (r.exitCode !== 0) throw new KindError(explainKindError(action, String(r.stderr || r.stdout)), String(r.all));
    return String(r.stdout);
  }

  async list(): Promise<string[]> {
    return parseKindClusters(await this.run(['get', 'clusters'], 'list clusters'));
  }
}

/** Deletes crash leftovers among our clusters; returns the names deleted. */
export async function reapKindClusters(
  dojoHome: string,
  options: { env?: NodeJS.ProcessEnv; except?: string } = {},
): Promise<string[]> {
  const kind = new KindCli(options.env);
  const dir = path.join(dojoHome, 'kind');
  const reaped: string[] = [];
  for (const name of (await kind.list()).filter((n) => n.startsWith(CLUSTER_PREFIX) && n !== options.except)) {
    const record = await readRecord(dir, name);
    if (reapDecision(record) === 'keep') continue;
    debug('reaping %s (record: %o)', name, record);
    await kind.run(kindDeleteArgs(name, path.join(dir, `${name}.kubeconfig`)), `delete the leftover cluster ${name}`);
    await rm(path.join(dir, `${name}.json`), { force: true });
    await rm(path.join(dir, `${name}.kubeconfig`), { force: true });
    reaped.push(name);
  }
  // Records of clusters that no longer exist (deleted by hand) are dropped too.
  const existing = new Set(await kind.list());
  for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'))) {
    if (!existing.has(file.slice(0, -'.json'.length))) await rm(path.join(dir, file), { force: true });
  }
  return reaped;
}

async function readRecord(dir: string, name: string): Promise<ClusterRecord | null> {
  const file = path.join(dir, `${name}.json`);
  if (!existsSync(file)) return null;
  const parsed = clusterRecordSchema.safeParse(JSON.parse(await readFile(file, 'utf8').catch(() => 'null')));
  return parsed.success ? parsed.data : null;
}

/** Clusters this process holds, so two labs of one runner share a cluster. */
const held = new Map<string, { cluster: Promise<StartedKindCluster>; refs: number; linger?: NodeJS.Timeout }>();

export interface KindProgress {
  message: string;
}

export class KindCluster {
  private readonly options: ResolvedOptions;
  readonly config: string;

  constructor(options: KindClusterOptions) {
    this.options = parseWithFriendlyErrors(kindClusterOptionsSchema, options, 'kind cluster options');
    this.config = kindConfig(this.options);
  }

  get name(): string {
    return this.options.name;
  }

  async start(onProgress?: (p: KindProgress) => void, signal?: AbortSignal): Promise<StartedKindCluster> {
    const existing = held.get(this.name);
    if (existing) {
      existing.refs++;
      if (existing.linger) clearTimeout(existing.linger);
      delete existing.linger;
      onProgress?.({ message: `Reusing the running cluster ${this.name}` });
      return existing.cluster;
    }
    const entry = { cluster: this.create(onProgress, signal), refs: 1 };
    held.set(this.name, entry);
    entry.cluster.catch(() => held.delete(this.name));
    return entry.cluster;
  }

  private async create(onProgress?: (p: KindProgress) => void, signal?: AbortSignal): Promise<StartedKindCluster> {
    const o = this.options;
    const env = o.env ?? process.env;
    const keepWarm = o.keepWarm ?? env['DOJO_KEEP_CLUSTER'] === '1';
    const kind = new KindCli(env);
    const dir = path.join(o.dojoHome, 'kind');
    await mkdir(dir, { recursive: true });
    const kubeconfig = path.join(dir, `${o.name}.kubeconfig`);
    const hash = configHash(this.config);

    const reaped = await reapKindClusters(o.dojoHome, { env, except: o.name });
    if (reaped.length) onProgress?.({ message: `Removed clusters left by a previous run: ${reaped.join(', ')}` });

    let reused = false;
    if ((await kind.list()).includes(o.name)) {
      const record = await readRecord(dir, o.name);
      const owner = record?.ownerPid ?? null;
      if (owner !== null && owner !== process.pid && alive(owner)) {
        throw new KindError(
          `the cluster ${o.name} is in use by another GitOps Dojo runner (pid ${owner}). Stop that runner first, or run only one at a time.`,
        );
      }
      if (record?.configHash === hash) {
        // Refresh the kubeconfig (the API server port survives, but the file may be gone).
        await writeFile(
          kubeconfig,
          await kind.run(['get', 'kubeconfig', '--name', o.name], `read the kubeconfig of ${o.name}`),
        );
        reused = await new Kubectl(kubeconfig, { env }).ready();
      }
      if (!reused) {
        onProgress?.({
          message: `Deleting ${o.name}: ${record ? 'its configuration changed or it does not answer' : 'it has no record in this DOJO_HOME'}`,
        });
        await kind.run(kindDeleteArgs(o.name, kubeconfig), `delete ${o.name}`);
      } else {
        onProgress?.({ message: `Reusing the warm cluster ${o.name}` });
      }
    }
    const record: ClusterRecord = {
      name: o.name,
      configHash: hash,
      nodeImage: o.nodeImage,
      ownerPid: process.pid,
      keepWarm,
      createdAt: new Date().toISOString(),
    };
    // Written before `kind create`, so a crash during creation still leaves a record to reap by.
    await writeFile(path.join(dir, `${o.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    if (!reused) {
      const configPath = path.join(dir, `${o.name}.kind.yaml`);
      await writeFile(configPath, this.config);
      onProgress?.({ message: `Creating kind cluster ${o.name} (${o.nodeImage.split('@')[0]})` });
      await kind.run(kindCreateArgs(o.name, configPath, kubeconfig, o.waitSeconds), `create the cluster ${o.name}`, {
        ...(signal ? { signal } : {}),
        onLine: (line) => onProgress?.({ message: line.replace(/^[\s✓✗•⠈⠁⠂⠄⡀⢀⠠⠐]+/u, '') }),
      });
    }
    return new StartedKindCluster(
      o.name,
      kubeconfig,
      reused,
      async () => {
        if (keepWarm) {
          await writeFile(
            path.join(dir, `${o.name}.json`),
            `${JSON.stringify({ ...record, ownerPid: null }, null, 2)}\n`,
          );
          return;
        }
        await kind.run(kindDeleteArgs(o.name, kubeconfig), `delete ${o.name}`);
        await rm(path.join(dir, `${o.name}.json`), { force: true });
        await rm(kubeconfig, { force: true });
      },
      o.lingerMs,
    );
  }
}

export class StartedKindCluster implements AsyncDisposable {
  readonly name: string;
  readonly kubeconfig: string;
  /** Whether an existing cluster was reused instead of created. */
  readonly reused: boolean;
  private readonly teardown: () => Promise<void>;
  private readonly lingerMs: number;

  constructor(name: string, kubeconfig: string, reused: boolean, teardown: () => Promise<void>, lingerMs: number) {
    this.name = name;
    this.kubeconfig = kubeconfig;
    this.reused = reused;
    this.teardown = teardown;
    this.lingerMs = lingerMs;
  }

  /** What the terminal and checks need: KUBECONFIG pointing at this cluster only. */
  get env(): Record<string, string> {
    return { KUBECONFIG: this.kubeconfig };
  }

  kubectl(env?: NodeJS.ProcessEnv): Kubectl {
    return new Kubectl(this.kubeconfig, env ? { env } : {});
  }

  /**
   * Releases this user's hold. The last one deletes the cluster after the linger time (another lab
   * starting in between takes it over); `immediately` skips the linger (runner shutdown).
   */
  async stop(options: { immediately?: boolean } = {}): Promise<void> {
    const entry = held.get(this.name);
    if (entry && --entry.refs > 0) return;
    if (!options.immediately && this.lingerMs > 0 && entry) {
      entry.linger = setTimeout(() => {
        held.delete(this.name);
        this.teardown().catch((err: unknown) => debug('deleting %s failed: %O', this.name, err));
      }, this.lingerMs);
      entry.linger.unref();
      return;
    }
    held.delete(this.name);
    await this.teardown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** For runner shutdown: deletes (or parks, with keepWarm) every cluster this process holds, lingering or not. */
export async function releaseAllKindClusters(): Promise<void> {
  const all = [...held.values()];
  await Promise.allSettled(
    all.map(async (entry) => {
      if (entry.linger) clearTimeout(entry.linger);
      entry.refs = 1;
      await (await entry.cluster).stop({ immediately: true });
    }),
  );
}

/**
 * The IPv4 gateway of the engine's `kind` network: the host address pods can reach on native
 * Linux. Reads `docker network inspect` (IPAM.Config[].Gateway) or Podman's `subnets[].gateway`.
 */
export function parseNetworkGateway(inspectJson: string): string | null {
  const docker = z.array(
    z
      .object({
        IPAM: z
          .object({
            Config: z
              .array(z.object({ Gateway: z.string().optional(), Subnet: z.string().optional() }).loose())
              .nullable(),
          })
          .loose(),
      })
      .loose(),
  );
  const podman = z.array(
    z
      .object({ subnets: z.array(z.object({ gateway: z.string().optional(), subnet: z.string().optional() }).loose()) })
      .loose(),
  );
  const value: unknown = JSON.parse(inspectJson);
  const candidates: { gateway?: string | undefined; subnet?: string | undefined }[] = [];
  const d = docker.safeParse(value);
  if (d.success)
    for (const n of d.data)
      for (const c of n.IPAM.Config ?? []) candidates.push({ gateway: c.Gateway, subnet: c.Subnet });
  const p = podman.safeParse(value);
  if (p.success)
    for (const n of p.data) for (const s of n.subnets) candidates.push({ gateway: s.gateway, subnet: s.subnet });
  const v4 = /^\d+\.\d+\.\d+\.\d+$/;
  const explicit = candidates.find((c) => c.gateway && v4.test(c.gateway));
  if (explicit?.gateway) return explicit.gateway;
  // Some engines omit the gateway; by convention it is the subnet's first address.
  const subnet = candidates.find((c) => c.subnet && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.subnet))?.subnet;
  if (!subnet) return null;
  const [a, b, c, dd] = (subnet.split('/')[0] ?? '').split('.').map(Number);
  return `${a}.${b}.${c}.${(dd ?? 0) + 1}`;
}

export async function kindNetworkGateway(engineBinary: string, network = 'kind'): Promise<string | null> {
  const r = await execa(engineBinary, ['network', 'inspect', network], {
    env: toolEnv(),
    reject: false,
    stdin: 'ignore',
  });
  return r.exitCode === 0 ? parseNetworkGateway(String(r.stdout)) : null;
}
