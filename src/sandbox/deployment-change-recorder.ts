/**
 * Records every spec change of every Deployment in a set of clusters, as it happens, so a check
 * can later show what drifted, who changed it, and how long until it was put back, to the
 * millisecond. Kubernetes itself keeps no such history: the deployment controller's Events are
 * aggregated ("combined from similar events") after ten in ten minutes, which a busy lab always
 * reaches, and a revert removes the drifting manager from `managedFields`.
 *
 * One watch per cluster (GET /apis/apps/v1/deployments?watch=1 with the kubeconfig's own
 * certificate), reconnected when it ends. Clusters are the kubeconfig files of a folder, one per
 * context (`<context>.kubeconfig`, the multi-env sandbox's layout), looked for every 2 s, so a
 * cluster Terraform makes later is watched from the moment its kubeconfig appears.
 *
 * Each change (a new metadata.generation) is one JSON line appended to `<dir>/<context>.jsonl`:
 * `{ at, namespace, name, generation, replicas, images, managers }`, where `managers` are the
 * managedFields entries outside status (manager, operation, subresource, time). Who made a change
 * is read by comparing two consecutive lines (src/checks/argocd-drift.ts); the recorder only
 * writes what it saw. The first sight of a Deployment is written too (`seen: true`), as the
 * baseline. Files grow by one short line per change: a lab writes a few hundred.
 */
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import createDebug from 'debug';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const debug = createDebug('dojo:sandbox:change-recorder');

export const recordedChangeSchema = z.object({
  at: z.string(),
  namespace: z.string(),
  name: z.string(),
  generation: z.number(),
  replicas: z.number().nullable(),
  /** container name → image */
  images: z.record(z.string(), z.string()),
  managers: z.array(
    z.object({
      manager: z.string(),
      operation: z.string(),
      subresource: z.string().optional(),
      time: z.string().optional(),
    }),
  ),
  /** The first sight of the object (a baseline, not a change). */
  seen: z.boolean().optional(),
});
export type RecordedChange = z.infer<typeof recordedChangeSchema>;

interface DeploymentLike {
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    managedFields?: { manager?: string; operation?: string; subresource?: string; time?: string }[];
  };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name?: string; image?: string }[] } } };
}

/** The line recorded for one Deployment as seen at `at`. Pure. */
export function changeOf(object: DeploymentLike, at: Date, seen = false): RecordedChange {
  const m = object.metadata ?? {};
  return {
    at: at.toISOString(),
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    generation: m.generation ?? 0,
    replicas: object.spec?.replicas ?? null,
    images: Object.fromEntries(
      (object.spec?.template?.spec?.containers ?? []).map((c) => [c.name ?? '', c.image ?? '']),
    ),
    managers: (m.managedFields ?? [])
      .filter((f) => f.subresource !== 'status')
      .map((f) => ({
        manager: f.manager ?? '',
        operation: f.operation ?? '',
        ...(f.subresource ? { subresource: f.subresource } : {}),
        ...(f.time ? { time: f.time } : {}),
      })),
    ...(seen ? { seen: true } : {}),
  };
}

/** Reads a recorder file; lines that do not parse (a torn write) are skipped. */
export async function readRecordedChanges(file: string): Promise<RecordedChange[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: RecordedChange[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = recordedChangeSchema.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // a torn last line: ignore
    }
  }
  return out;
}

interface Access {
  server: string;
  agent: https.Agent;
}

/** The API server and an HTTPS agent with the kubeconfig's embedded certificates (its current context). */
export function accessFromKubeconfig(text: string): Access | null {
  const doc = parseYaml(text) as {
    clusters?: { name: string; cluster: Record<string, string> }[];
    users?: { name: string; user: Record<string, string> }[];
    contexts?: { name: string; context: { cluster?: string; user?: string } }[];
    'current-context'?: string;
  } | null;
  const ctx = doc?.contexts?.find((c) => c.name === doc['current-context']) ?? doc?.contexts?.[0];
  const cluster = doc?.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster;
  const user = doc?.users?.find((u) => u.name === ctx?.context.user)?.user;
  const b64 = (v: string | undefined) => (v ? Buffer.from(v, 'base64') : undefined);
  const ca = b64(cluster?.['certificate-authority-data']);
  const cert = b64(user?.['client-certificate-data']);
  const key = b64(user?.['client-key-data']);
  if (!cluster?.['server'] || !ca || !cert || !key) return null;
  return { server: cluster['server'].replace(/\/$/, ''), agent: new https.Agent({ ca, cert, key, keepAlive: true }) };
}

class ClusterWatch {
  private stopped = false;
  private request: ReturnType<typeof https.get> | null = null;
  private readonly generations = new Map<string, number>();
  private resourceVersion = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly access: Access;
  private readonly file: string;
  readonly kubeconfigText: string;

  constructor(access: Access, file: string, kubeconfigText: string) {
    this.access = access;
    this.file = file;
    this.kubeconfigText = kubeconfigText;
  }

  start(): void {
    if (this.stopped) return;
    const query = `watch=1${this.resourceVersion ? `&resourceVersion=${this.resourceVersion}` : ''}`;
    const req = https.get(
      `${this.access.server}/apis/apps/v1/deployments?${query}`,
      { agent: this.access.agent },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          this.retry(res.statusCode === 410 ? 0 : 2000, res.statusCode === 410);
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line.trim()) void this.onEvent(line);
          }
        });
        res.on('end', () => this.retry(200));
        res.on('error', () => this.retry(2000));
      },
    );
    req.on('error', (err) => {
      debug('watch of %s failed: %s', this.access.server, err.message);
      this.retry(2000);
    });
    this.request = req;
  }

  private retry(ms: number, fresh = false): void {
    if (this.stopped) return;
    if (fresh) this.resourceVersion = '';
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), ms);
  }

  private async onEvent(line: string): Promise<void> {
    const at = new Date();
    let event: { type?: string; object?: DeploymentLike & { metadata?: { resourceVersion?: string } } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    const object = event.object;
    if (!object?.metadata || (event.type !== 'ADDED' && event.type !== 'MODIFIED')) {
      if (event.type === 'ERROR') this.retry(0, true);
      return;
    }
    if (object.metadata.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
    const generation = object.metadata.generation ?? 0;
    const known = this.generations.get(key);
    if (known === generation) return; // status only
    this.generations.set(key, generation);
    const line2 = JSON.stringify(changeOf(object, at, known === undefined && event.type === 'ADDED'));
    await appendFile(this.file, `${line2}\n`).catch((err: Error) =>
      debug('cannot append to %s: %s', this.file, err.message),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.destroy();
    this.access.agent.destroy();
  }
}

export class DeploymentChangeRecorder {
  private readonly kubeDir: string;
  private readonly logDir: string;
  private readonly watches = new Map<string, ClusterWatch>();
  private scan: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `kubeDir`: one `<context>.kubeconfig` per cluster; `logDir`: where `<context>.jsonl` files go. */
  constructor(kubeDir: string, logDir: string) {
    this.kubeDir = kubeDir;
    this.logDir = logDir;
  }

  async start(): Promise<this> {
    await mkdir(this.logDir, { recursive: true, mode: 0o700 });
    await this.rescan();
    this.scan = setInterval(() => void this.rescan(), 2000);
    this.scan.unref();
    return this;
  }

  /** Contexts being watched now. */
  get contexts(): string[] {
    return [...this.watches.keys()].sort();
  }

  private async rescan(): Promise<void> {
    if (this.stopped) return;
    const files = (await readdir(this.kubeDir).catch(() => [] as string[])).filter((f) => f.endsWith('.kubeconfig'));
    const present = new Set(files.map((f) => f.slice(0, -'.kubeconfig'.length)));
    for (const [context, watch] of this.watches) {
      if (!present.has(context)) {
        watch.stop();
        this.watches.delete(context);
      }
    }
    for (const context of present) {
      const text = await readFile(path.join(this.kubeDir, `${context}.kubeconfig`), 'utf8').catch(() => '');
      const current = this.watches.get(context);
      if (current && current.kubeconfigText === text) continue;
      current?.stop();
      const access = text ? accessFromKubeconfig(text) : null;
      if (!access || this.stopped) continue;
      const watch = new ClusterWatch(access, path.join(this.logDir, `${context}.jsonl`), text);
      this.watches.set(context, watch);
      watch.start();
      debug('watching Deployments of %s at %s', context, access.server);
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.scan);
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }
}
