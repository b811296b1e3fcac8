/**
 * What is known about a process cluster between runs: `DOJO_HOME/clusters/<name>/cluster.json`.
 *
 * A process cluster *is* its folder (PKI, etcd data, kubeconfig, logs); its processes are only the
 * running form of it. The record names the ports (kept across restarts so kubeconfigs, Argo CD
 * cluster Secrets and Terraform outputs stay valid), the running components with their pid and
 * kernel start time (written the moment each is spawned), who owns it (a runner, or nobody when
 * it is kept warm), and labels such as the lab that uses it.
 *
 * The record is replaced atomically (write + rename). Changes that span several steps (start,
 * stop, delete) hold `<name>.lock`, a file created exclusively that names its holder; a lock whose
 * holder is dead is taken over, so a crash never wedges a cluster.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { processInfo, sameProcess } from '../process-table.ts';

export const CLUSTER_NAME_PATTERN = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;

export const clusterNameSchema = z.string().regex(CLUSTER_NAME_PATTERN, {
  error: 'expected a cluster name of 1-32 lower-case letters, digits and "-", starting with a letter (e.g. "dev")',
});

export const componentRecordSchema = z.object({
  component: z.string(),
  pid: z.number().int().positive(),
  startTime: z.string(),
  logFile: z.string(),
  command: z.string(),
});
export type ComponentRecord = z.infer<typeof componentRecordSchema>;

const ownerSchema = z.object({ pid: z.number().int().positive(), startTime: z.string(), what: z.string() });
export type ClusterOwner = z.infer<typeof ownerSchema>;

export const clusterRecordSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  provider: z.literal('process'),
  createdAt: z.string(),
  kubernetesVersion: z.string(),
  /** Every port the cluster and its add-ons listen on, by role ("apiserver", "argocd-server"…). */
  ports: z.record(z.string(), z.number().int().positive()),
  /** null: nobody owns it (kept warm, or its owner stopped it cleanly). */
  owner: ownerSchema.nullable(),
  keepWarm: z.boolean(),
  labels: z.record(z.string(), z.string()),
  /** The settings it was created with (what forces a new cluster when changed). */
  settings: z.record(z.string(), z.unknown()),
  components: z.array(componentRecordSchema),
  /** Facts add-ons publish for later runs, e.g. Argo CD's admin password. */
  addons: z.record(z.string(), z.record(z.string(), z.string())).default({}),
});
export type ClusterRecord = z.infer<typeof clusterRecordSchema>;

export function clustersDir(dojoHome: string): string {
  return path.join(dojoHome, 'clusters');
}
export function clusterDir(dojoHome: string, name: string): string {
  return path.join(clustersDir(dojoHome), name);
}
function recordFile(dojoHome: string, name: string): string {
  return path.join(clusterDir(dojoHome, name), 'cluster.json');
}

export function readClusterRecord(dojoHome: string, name: string): ClusterRecord | null {
  const file = recordFile(dojoHome, name);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const parsed = clusterRecordSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Synchronous on purpose: called the moment a component is spawned, before anything awaits. */
export function writeClusterRecord(dojoHome: string, record: ClusterRecord): void {
  const dir = clusterDir(dojoHome, record.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = recordFile(dojoHome, record.name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeClusterFolder(dojoHome: string, name: string): void {
  rmSync(clusterDir(dojoHome, name), { recursive: true, force: true });
}

export function clusterExists(dojoHome: string, name: string): boolean {
  return existsSync(recordFile(dojoHome, name));
}

/** This process as an owner record. */
export function selfOwner(what: string): ClusterOwner {
  return { pid: process.pid, startTime: processInfo(process.pid)?.startTime ?? '', what };
}

export function ownerAlive(owner: ClusterOwner | null): boolean {
  return owner !== null && sameProcess(owner.pid, owner.startTime);
}

export class ClusterLockTimeoutError extends Error {
  constructor(name: string, holder: string, seconds: number) {
    super(
      `timed out after ${seconds} s waiting for cluster "${name}": ${holder} is changing it. Fix: wait for it to finish, or stop that process; a lock held by a dead process is taken over automatically.`,
    );
    this.name = 'ClusterLockTimeoutError';
  }
}

/**
 * Runs `work` holding the cluster's lock. Waits (polling) while a live process holds it; takes
 * over a lock whose holder is gone.
 */
export async function withClusterLock<T>(
  dojoHome: string,
  name: string,
  what: string,
  work: () => Promise<T>,
  timeoutMs = 180_000,
): Promise<T> {
  const dir = clustersDir(dojoHome);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}.lock`);
  const me = { ...selfOwner(what), token: `${process.pid}-${Date.now()}-${Math.random()}` };
  const t0 = Date.now();
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readFile(file, 'utf8')
        .then((t) => ownerSchema.safeParse(JSON.parse(t)))
        .catch(() => null);
      if (!holder?.success || !ownerAlive(holder.data)) {
        // Dead (or unreadable because it is being written right now: only steal when it stays so).
        if (holder?.success || Date.now() - t0 > 1000) await rm(file, { force: true });
      } else if (Date.now() - t0 > timeoutMs) {
        throw new ClusterLockTimeoutError(
          name,
          `${holder.data.what} (pid ${holder.data.pid})`,
          Math.round(timeoutMs / 1000),
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await work();
  } finally {
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current.includes(me.token)) await rm(file, { force: true });
  }
}
