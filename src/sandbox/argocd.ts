/**
 * Argo CD in a kind cluster: a pinned release's `install.yaml`, applied server-side into the
 * `argocd` namespace (the ApplicationSet CRD is too large for client-side apply), then its
 * components awaited with progress, and the initial admin password read for the learner.
 *
 * The manifest is downloaded at run time on the learner's machine from the release tag and cached
 * in `<DOJO_HOME>/cache/argocd/<version>/install.yaml`; for the pinned version its SHA-256 is
 * checked (computed from the tag's blob), so a cached or downloaded file is exactly that release.
 * DOJO_ARGOCD_VERSION picks another 3.x tag (then no checksum is known, and the page says so).
 *
 * Before the install, `argocd-cm` gets `timeout.reconciliation: 20s` (default 120 s plus up to
 * 60 s jitter): a learner who pushes a commit sees Argo CD notice it within half a minute instead
 * of three. It is applied first because the controllers read it from their environment at start.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import createDebug from 'debug';
import { z } from 'zod';
import { KubectlError, type Kubectl, type KubeObject } from './kubectl.ts';

const debug = createDebug('dojo:sandbox:argocd');

/** Latest stable Argo CD 3.x when this was pinned (the `stable` tag pointed at it). */
export const ARGOCD_VERSION = 'v3.5.1';
/** sha256 of manifests/install.yaml at v3.5.1. */
export const ARGOCD_INSTALL_SHA256 = '795a3a972224da6a7f9d32c3e946445f062b60fb46028476715affeb688236e3';
export const ARGOCD_NAMESPACE = 'argocd';
export const ARGOCD_VERSION_VARIABLE = 'DOJO_ARGOCD_VERSION';
/** Workloads of install.yaml at v3.5.1; readiness waits for all of them. */
export const ARGOCD_COMPONENTS = [
  'Deployment/argocd-applicationset-controller',
  'Deployment/argocd-dex-server',
  'Deployment/argocd-notifications-controller',
  'Deployment/argocd-redis',
  'Deployment/argocd-repo-server',
  'Deployment/argocd-server',
  'StatefulSet/argocd-application-controller',
] as const;

export function installManifestUrl(version: string): string {
  return `https://raw.githubusercontent.com/argoproj/argo-cd/${version}/manifests/install.yaml`;
}

export class ArgoCdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgoCdError';
  }
}

const versionSchema = z
  .string()
  .regex(/^v3\.\d+\.\d+$/, { error: 'expected an Argo CD 3.x release tag such as v3.5.1' });

export function argoCdVersion(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env[ARGOCD_VERSION_VARIABLE];
  if (!wanted) return ARGOCD_VERSION;
  const r = versionSchema.safeParse(wanted);
  if (!r.success)
    throw new ArgoCdError(
      `expected ${ARGOCD_VERSION_VARIABLE} to be an Argo CD 3.x tag such as ${ARGOCD_VERSION}, found "${wanted}".`,
    );
  return r.data;
}

/**
 * The install manifest for `version`, from the cache or downloaded once. A checksum mismatch for
 * the pinned version is refused (a truncated download or a tampered file).
 */
export async function installManifest(
  dojoHome: string,
  version: string,
  options: { fetch?: typeof fetch; onProgress?: (message: string) => void } = {},
): Promise<{ file: string; downloaded: boolean; verified: boolean }> {
  const dir = path.join(dojoHome, 'cache', 'argocd', version);
  const file = path.join(dir, 'install.yaml');
  const expected = version === ARGOCD_VERSION ? ARGOCD_INSTALL_SHA256 : null;
  const sha = (text: Buffer) => createHash('sha256').update(text).digest('hex');
  if (existsSync(file)) {
    const cached = await readFile(file);
    if (!expected || sha(cached) === expected) return { file, downloaded: false, verified: expected !== null };
    debug('cached %s has the wrong checksum; downloading again', file);
  }
  const url = installManifestUrl(version);
  options.onProgress?.(`Downloading the Argo CD ${version} install manifest`);
  let body: Buffer;
  try {
    const res = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new ArgoCdError(
      `could not download the Argo CD ${version} install manifest from ${url} (${(err as Error).message}). Fix: connect to the internet once (it is cached in ${dir} afterwards), or save that file there yourself.`,
    );
  }
  if (expected && sha(body) !== expected) {
    throw new ArgoCdError(
      `the Argo CD ${version} install manifest from ${url} has SHA-256 ${sha(body)}, expected ${expected}. The download is incomplete or not the release; try again, and report it if it persists.`,
    );
  }
  await mkdir(dir, { recursive: true });
  await writeFile(`${file}.partial`, body);
  await rename(`${file}.partial`, file);
  return { file, downloaded: true, verified: expected !== null };
}

/** Settings applied to argocd-cm before the install (see the design note). */
export function argoCdSettingsManifest(): string {
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: argocd-cm',
    `  namespace: ${ARGOCD_NAMESPACE}`,
    '  labels:',
    '    app.kubernetes.io/name: argocd-cm',
    '    app.kubernetes.io/part-of: argocd',
    'data:',
    '  timeout.reconciliation: 20s',
    '  timeout.reconciliation.jitter: 0s',
    '',
  ].join('\n');
}

export function namespaceManifest(name: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
}

const workloadSchema = z
  .object({
    kind: z.string(),
    metadata: z.object({ name: z.string(), generation: z.number().optional() }).loose(),
    spec: z.object({ replicas: z.number().optional() }).loose().optional(),
    status: z
      .object({
        replicas: z.number().optional(),
        readyReplicas: z.number().optional(),
        updatedReplicas: z.number().optional(),
        availableReplicas: z.number().optional(),
        observedGeneration: z.number().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export interface ComponentState {
  component: string;
  ready: boolean;
  detail: string;
}

/** Readiness of each Argo CD workload from `kubectl get deployments,statefulsets -o json` items. */
export function componentStates(items: KubeObject[], wanted: readonly string[] = ARGOCD_COMPONENTS): ComponentState[] {
  const byKey = new Map<string, z.infer<typeof workloadSchema>>();
  for (const item of items) {
    const w = workloadSchema.safeParse(item);
    if (w.success) byKey.set(`${w.data.kind}/${w.data.metadata.name}`, w.data);
  }
  return wanted.map((component) => {
    const w = byKey.get(component);
    if (!w) return { component, ready: false, detail: 'not created yet' };
    const want = w.spec?.replicas ?? 1;
    const ready = w.status?.readyReplicas ?? 0;
    const current = (w.status?.observedGeneration ?? 0) >= (w.metadata.generation ?? 0);
    return { component, ready: current && ready >= want, detail: `${ready}/${want} ready` };
  });
}

const podSchema = z
  .object({
    metadata: z.object({ name: z.string() }).loose(),
    status: z
      .object({
        containerStatuses: z
          .array(
            z
              .object({
                image: z.string(),
                state: z
                  .object({
                    waiting: z
                      .object({ reason: z.string().optional(), message: z.string().optional() })
                      .loose()
                      .optional(),
                  })
                  .loose()
                  .optional(),
              })
              .loose(),
          )
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

/** Pods stuck on an image pull or a crash loop, in words (the likely reason a wait times out). */
export function stuckPods(pods: KubeObject[]): string[] {
  const out: string[] = [];
  for (const raw of pods) {
    const pod = podSchema.safeParse(raw);
    if (!pod.success) continue;
    for (const c of pod.data.status?.containerStatuses ?? []) {
      const reason = c.state?.waiting?.reason;
      if (reason && /ImagePullBackOff|ErrImagePull|CrashLoopBackOff|CreateContainerConfigError/.test(reason)) {
        out.push(
          `${pod.data.metadata.name}: ${reason} (${c.image})${c.state?.waiting?.message ? `: ${c.state.waiting.message}` : ''}`,
        );
      }
    }
  }
  return out;
}

/** The admin password from the `argocd-initial-admin-secret` object (data.password, base64). */
export function decodeAdminPassword(secret: KubeObject): string {
  const parsed = z
    .object({ data: z.object({ password: z.string() }).loose() })
    .loose()
    .safeParse(secret);
  if (!parsed.success)
    throw new ArgoCdError('expected the secret argocd-initial-admin-secret to have data.password, found none.');
  return Buffer.from(parsed.data.data.password, 'base64').toString('utf8');
}

export interface ArgoCdInstallOptions {
  kubectl: Kubectl;
  dojoHome: string;
  env?: NodeJS.ProcessEnv;
  /** Overall wait for every component (ms); image pulls dominate a cold install. */
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (message: string, fraction: number) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export interface InstalledArgoCd {
  version: string;
  namespace: string;
  adminPassword: string | null;
  /** Seconds from apply to all components ready. */
  readySeconds: number;
}

/** Installs (or re-applies, which is idempotent and fast on a warm cluster) and waits for readiness. */
export async function installArgoCd(options: ArgoCdInstallOptions): Promise<InstalledArgoCd> {
  const { kubectl } = options;
  const progress = options.onProgress ?? (() => undefined);
  const version = argoCdVersion(options.env);
  const manifest = await installManifest(options.dojoHome, version, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onProgress: (m) => progress(m, 0),
  });
  progress(`Applying Argo CD ${version} (server-side) into namespace ${ARGOCD_NAMESPACE}`, 0.05);
  await kubectl.applyServerSide({ yaml: namespaceManifest(ARGOCD_NAMESPACE) });
  await kubectl.applyServerSide({ yaml: argoCdSettingsManifest() }, { fieldManager: 'gitops-dojo-settings' });
  await kubectl.applyServerSide({ file: manifest.file }, { namespace: ARGOCD_NAMESPACE, forceConflicts: true });

  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  let states: ComponentState[] = [];
  while (Date.now() - started < timeoutMs) {
    if (options.signal?.aborted) throw new ArgoCdError('Argo CD installation was cancelled.');
    try {
      states = componentStates(await kubectl.list('deployments,statefulsets', ARGOCD_NAMESPACE));
    } catch (err) {
      if (!(err instanceof KubectlError) || err.problem !== 'unreachable') throw err;
    }
    const ready = states.filter((s) => s.ready).length;
    const waiting = states.filter((s) => !s.ready).map((s) => s.component.split('/')[1]);
    const elapsed = Math.round((Date.now() - started) / 1000);
    progress(
      waiting.length
        ? `Argo CD: ${ready}/${states.length} components ready after ${elapsed} s (waiting for ${waiting.join(', ')})`
        : `Argo CD: all ${states.length} components ready after ${elapsed} s`,
      0.1 + 0.85 * (ready / Math.max(1, states.length)),
    );
    if (states.length && waiting.length === 0) {
      return {
        version,
        namespace: ARGOCD_NAMESPACE,
        adminPassword: await adminPassword(kubectl),
        readySeconds: elapsed,
      };
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
  }
  const stuck = stuckPods(await kubectl.list('pods', ARGOCD_NAMESPACE).catch(() => []));
  throw new ArgoCdError(
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for Argo CD ${version}: ${states
      .filter((s) => !s.ready)
      .map((s) => `${s.component} ${s.detail}`)
      .join(
        ', ',
      )}.${stuck.length ? ` Stuck pods: ${stuck.join('; ')}.` : ''} Fix: a first install pulls about 500 MB of images; check the network, or run "kubectl -n argocd get pods" to see what waits.`,
  );
}

/** The initial admin password; null once the learner deleted the secret (as Argo CD advises). */
async function adminPassword(kubectl: Kubectl): Promise<string | null> {
  for (let i = 0; i < 30; i++) {
    const secret = await kubectl.get('secret', 'argocd-initial-admin-secret', ARGOCD_NAMESPACE);
    if (secret) return decodeAdminPassword(secret);
    // argocd-server writes the initial secret once, with the admin password in argocd-secret; if
    // that password exists and the initial secret does not, it was deleted on purpose: stop waiting.
    const main = await kubectl.get('secret', 'argocd-secret', ARGOCD_NAMESPACE);
    if (main && /"admin\.password"/.test(JSON.stringify(main))) return null;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return null;
}
