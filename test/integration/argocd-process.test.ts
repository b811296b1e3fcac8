/**
 * Argo CD 3.6.1 as processes on a process cluster, graded by the real check kinds: `argocd.app`
 * and `k8s.resource` against the real API server and real Argo CD, for each state a learner meets:
 * Synced/Healthy at the head of main, a commit announced by webhook and synced, OutOfSync with a
 * stale revision under a manual policy (then synced with the argocd CLI), Progressing and Degraded
 * workloads, a comparison error (a path that does not exist), a sync failure (a namespace that
 * does not exist), and self-heal undoing `kubectl scale` and `kubectl set image`.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argocdApp } from '../../src/checks/argocd-app.ts';
import { k8sResource } from '../../src/checks/k8s-resource.ts';
import { Observations } from '../../src/checks/observations.ts';
import { announcePushes } from '../../src/sandbox/argocd-webhook.ts';
import { processProvider, type StartedArgoCd, type StartedCluster } from '../../src/sandbox/cluster-provider.ts';
import { GitServer, type StartedGitServer } from '../../src/sandbox/git-server.ts';
import { Kubectl } from '../../src/sandbox/kubectl.ts';
import { findProcessBinaries, processProviderProblem } from '../../src/sandbox/process-binaries.ts';
import { toolEnv } from '../../src/sandbox/which.ts';
import { listeningAddresses } from '../../src/sandbox/listening-sockets.ts';
import { requireProcessProvider } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { clusterProcessReport } from '../helpers/cluster-diagnosis.ts';

/** The parts of an Application's status these probes read. */
interface AppStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string };
  operationState?: { phase?: string; message?: string; operation?: { initiatedBy?: { automated?: boolean } } };
  conditions?: unknown[];
  history?: { revision: string }[];
}

const homeDir = await tempDir('argocd-process');
let cluster: StartedCluster | undefined;
let argo: StartedArgoCd | undefined;
let git: StartedGitServer | undefined;
let unannounce: () => void = () => undefined;
let env: NodeJS.ProcessEnv = {};
let work = '';

const available = processProviderProblem() === null || process.env['CI'] === 'true';

beforeAll(async () => {
  if (!available) return;
  const home = homeDir.path;
  cluster = await processProvider.startCluster({ name: 'argo', dojoHome: home });
  argo = await processProvider.startArgoCd(cluster, { dojoHome: home });
  git = await new GitServer({ root: path.join(home, 'git') }).start();
  unannounce = announcePushes(git, argo.webhook);
  const seed = await mkdtemp(path.join(os.tmpdir(), 'dojo-apps-'));
  await writeApps(seed);
  await git.createRepository('apps', { from: seed, message: 'Apps: web, stuck, degraded' });
  work = path.join(home, 'work');
  await execa('git', ['clone', '--quiet', git.repoUrl('apps'), work], { env: gitEnv() });
  const bin = findProcessBinaries().home;
  env = {
    ...toolEnv(),
    ...argo.env,
    PATH: [path.join(bin, 'bin'), toolEnv()['PATH'] ?? ''].join(path.delimiter),
    KUBECONFIG: cluster.kubeconfig,
    DOJO_GIT_URL: git.url,
    DOJO_GIT_CLUSTER_URL: git.clusterUrl,
  };
}, 240_000);

afterAll(async () => {
  unannounce();
  await git?.stop();
  await cluster?.stop();
  await homeDir[Symbol.asyncDispose]();
});

function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...toolEnv(),
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 't@dojo.local',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 't@dojo.local',
  };
}

const deployment = (name: string, extraSpec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...podSpec },
    },
    ...extraSpec,
  },
});

async function writeApps(dir: string): Promise<void> {
  const put = async (file: string, objects: unknown[]) => {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  };
  await put('web/app.yaml', [
    deployment('web'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings' }, data: { banner: 'Welcome' } },
  ]);
  // No node matches: pods stay Pending. Without a deadline the rollout is Progressing…
  await put('stuck/app.yaml', [deployment('stuck', {}, { nodeSelector: { 'dojo.dev/none': 'x' } })]);
  // …with a 1 s deadline it is Degraded (ProgressDeadlineExceeded).
  await put('degraded/app.yaml', [
    deployment('degraded', { progressDeadlineSeconds: 1 }, { nodeSelector: { 'dojo.dev/none': 'x' } }),
  ]);
}

function application(name: string, appPath: string, namespace: string, automated: boolean, createNamespace = true) {
  return JSON.stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: git!.repoUrl('apps', { forCluster: true }), targetRevision: 'main', path: appPath },
      destination: { server: 'https://kubernetes.default.svc', namespace },
      syncPolicy: {
        ...(automated ? { automated: { prune: true, selfHeal: true } } : {}),
        ...(createNamespace ? { syncOptions: ['CreateNamespace=true'] } : {}),
      },
    },
  });
}

function kubectl(): Kubectl {
  return new Kubectl(env['KUBECONFIG'] ?? '', { env });
}

type Assertion = { ok: boolean; message: string; expected: string; found: string; hint?: string };
type Check = { schema: { parse: (x: unknown) => unknown }; run: (o: never, c: never) => Promise<unknown> };
async function check(c: Check, options: unknown): Promise<Assertion[]> {
  return (await c.run(
    c.schema.parse(options) as never,
    { workspace: work, env, observations: new Observations(), signal: new AbortController().signal } as never,
  )) as Assertion[];
}
const failed = (as: Assertion[]) => as.filter((a) => !a.ok).map((a) => `${a.message} | found ${a.found}`);

async function eventually<T>(
  what: string,
  probe: () => Promise<T | false | null | undefined>,
  ms = 90_000,
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return { value: v, ms: Date.now() - t0 };
    } catch (err) {
      last = err;
    }
    if (Date.now() - t0 > ms)
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n${await clusterDiagnosis()}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * What a timeout says about the cluster: which of its processes (and Argo CD's) still run, the
 * tail of the log of any that died, and the pods. One CI run timed out on every health wait of
 * this file (pods never Ready), with nothing left to look at afterwards.
 */
async function clusterDiagnosis(): Promise<string> {
  const lines = [clusterProcessReport(homeDir.path, ['argo'])];
  lines.push(
    await kubectl()
      .run(['get', 'nodes,deployments,replicasets,pods', '-A', '-o', 'wide'])
      .catch((err: Error) => `kubectl failed: ${err.message}`),
  );
  return lines.join('\n');
}

async function app(name: string): Promise<{ status?: AppStatus } | null> {
  return (await kubectl().get('applications.argoproj.io', name, 'argocd')) as never;
}

async function commit(file: string, content: string, message: string): Promise<string> {
  await writeFile(path.join(work, file), content);
  await execa('git', ['add', file], { cwd: work, env: gitEnv() });
  await execa('git', ['commit', '--quiet', '-m', message], { cwd: work, env: gitEnv() });
  await execa('git', ['push', '--quiet', 'origin', 'main'], { cwd: work, env: gitEnv() });
  return (await execa('git', ['rev-parse', 'HEAD'], { cwd: work, env: gitEnv() })).stdout.trim();
}

describe('Argo CD as processes', () => {
  it('serves its API to the argocd CLI, logged in as admin, on loopback', async (ctx) => {
    requireProcessProvider(ctx);
    const r = await execa(findProcessBinaries().bin.argocd ?? 'argocd', ['account', 'get-user-info'], {
      env,
      reject: false,
    });
    expect(r.stdout).toMatch(/Logged In: true/);
    expect(r.stdout).toMatch(/Username: admin/);
    expect(argo!.adminPassword).toMatch(/^\S{8,}$/);
  });

  it('Synced and Healthy at the head of main: argocd.app and k8s.resource pass', async (ctx) => {
    requireProcessProvider(ctx);
    await kubectl().run(['apply', '-f', '-'], { input: application('web', 'web', 'web', true) });
    await eventually('web Synced/Healthy', async () => {
      const a = await app('web');
      return a?.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy';
    });
    const verdict = await check(argocdApp, {
      kind: 'argocd.app',
      name: 'web',
      automated: true,
      selfHeal: true,
      path: 'web',
    });
    expect(failed(verdict)).toEqual([]);
    const ready = await check(k8sResource, {
      kind: 'k8s.resource',
      resource: 'deployment',
      name: 'web',
      namespace: 'web',
      fields: [{ path: 'status.readyReplicas', atLeast: 2 }],
    });
    expect(failed(ready)).toEqual([]);
  });

  it('a pushed commit is announced by webhook and synced to exactly that revision', async (ctx) => {
    requireProcessProvider(ctx);
    const before = await check(argocdApp, { kind: 'argocd.app', name: 'web' });
    expect(failed(before)).toEqual([]);
    const head = await commit(
      'web/app.yaml',
      [
        JSON.stringify(deployment('web')),
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
        }),
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'web-settings' },
          data: { banner: 'Spring sale' },
        }),
      ].join('\n---\n'),
      'Banner: spring sale',
    );
    // Polling is 20 s; the webhook makes it seconds. Well under one poll proves the webhook did it.
    const synced = await eventually(
      'web synced to the new head',
      async () => {
        const a = await app('web');
        return (
          a?.status?.sync?.revision === head &&
          a.status.sync?.status === 'Synced' &&
          a.status.operationState?.phase === 'Succeeded'
        );
      },
      60_000,
    );
    console.log(`commit pushed -> synced: ${synced.ms} ms`);
    const verdict = await check(argocdApp, { kind: 'argocd.app', name: 'web' });
    expect(failed(verdict)).toEqual([]);
    const cm = await check(k8sResource, {
      kind: 'k8s.resource',
      resource: 'configmap',
      name: 'web-settings',
      namespace: 'web',
      fields: [{ path: 'data.banner', equals: 'Spring sale' }],
    });
    expect(failed(cm)).toEqual([]);
  });

  it('manual policy: OutOfSync until synced with the argocd CLI; a new commit makes its revision stale', async (ctx) => {
    requireProcessProvider(ctx);
    await kubectl().run(['apply', '-f', '-'], { input: application('manual', 'web', 'manual', false) });
    await eventually(
      'manual compared (OutOfSync)',
      async () => (await app('manual'))?.status?.sync?.status === 'OutOfSync',
    );
    const outOfSync = await check(argocdApp, { kind: 'argocd.app', name: 'manual', automated: false });
    expect(outOfSync.find((a) => a.expected.includes('manual') || a.message.includes('automated'))?.ok ?? true).toBe(
      true,
    );
    expect(failed(outOfSync).join('\n')).toMatch(/OutOfSync/);

    const sync = await execa(
      findProcessBinaries().bin.argocd ?? 'argocd',
      ['app', 'sync', 'manual', '--timeout', '120'],
      { env, reject: false },
    );
    expect(sync.exitCode, sync.stderr).toBe(0);
    await eventually('manual Synced/Healthy', async () => {
      const a = await app('manual');
      return a?.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy';
    });
    expect(failed(await check(argocdApp, { kind: 'argocd.app', name: 'manual', automated: false }))).toEqual([]);

    // Without the webhook Argo CD has not looked at Git yet: the revision it knows is stale.
    unannounce();
    const head = await commit(
      'web/extra.yaml',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' }, data: { a: '1' } }),
      'Add extra',
    );
    const stale = await check(argocdApp, { kind: 'argocd.app', name: 'manual', automated: false });
    const revision = stale.find((a) => !a.ok);
    expect(revision?.expected ?? '').toContain(head.slice(0, 7));
    expect(revision?.hint ?? '').toMatch(/has not seen your latest commit/);
    unannounce = announcePushes(git!, argo!.webhook);

    // Refreshed, it compares against the new head: OutOfSync, and the manual policy leaves it so.
    await kubectl().run([
      '-n',
      'argocd',
      'annotate',
      'application',
      'manual',
      'argocd.argoproj.io/refresh=normal',
      '--overwrite',
    ]);
    await eventually('manual OutOfSync at the new head', async () => {
      const a = await app('manual');
      return a?.status?.sync?.status === 'OutOfSync' && a.status.sync?.revision === head;
    });
    const history = ((await app('manual'))?.status?.history ?? []) as { revision: string }[];
    expect(history.at(-1)?.revision).not.toBe(head);
    expect(failed(await check(argocdApp, { kind: 'argocd.app', name: 'manual', automated: false })).join('\n')).toMatch(
      /OutOfSync/,
    );
  });

  it('Progressing while pods wait, Degraded past the progress deadline', async (ctx) => {
    requireProcessProvider(ctx);
    await kubectl().run(['apply', '-f', '-'], { input: application('stuck', 'stuck', 'stuck', true) });
    await kubectl().run(['apply', '-f', '-'], { input: application('degraded', 'degraded', 'degraded', true) });
    await eventually('stuck Progressing', async () => (await app('stuck'))?.status?.health?.status === 'Progressing');
    await eventually('degraded Degraded', async () => (await app('degraded'))?.status?.health?.status === 'Degraded');
    expect(failed(await check(argocdApp, { kind: 'argocd.app', name: 'stuck' })).join('\n')).toMatch(/Progressing/);
    expect(failed(await check(argocdApp, { kind: 'argocd.app', name: 'degraded' })).join('\n')).toMatch(/Degraded/);
  });

  it("a comparison error and a sync failure are reported in Argo CD's own words", async (ctx) => {
    requireProcessProvider(ctx);
    await kubectl().run(['apply', '-f', '-'], { input: application('typo', 'wbe', 'typo', true) });
    await eventually('typo ComparisonError', async () =>
      JSON.stringify((await app('typo'))?.status?.conditions ?? []).includes('ComparisonError'),
    );
    expect(failed(await check(argocdApp, { kind: 'argocd.app', name: 'typo' })).join('\n')).toMatch(
      /ComparisonError|wbe/,
    );

    await kubectl().run(['apply', '-f', '-'], { input: application('nowhere', 'web', 'nowhere', true, false) });
    await eventually('nowhere sync Failed', async () => {
      const op = (await app('nowhere'))?.status?.operationState;
      return op?.phase === 'Failed' || op?.phase === 'Error' || /not found/.test(op?.message ?? '');
    });
    expect(failed(await check(argocdApp, { kind: 'argocd.app', name: 'nowhere' })).join('\n')).toMatch(
      /nowhere|not found/,
    );
  });

  it('self-heal undoes kubectl scale and kubectl set image, started by automation', async (ctx) => {
    requireProcessProvider(ctx);
    await kubectl().run(['-n', 'web', 'scale', 'deployment/web', '--replicas=5']);
    const scaled = await eventually('replicas healed back to 2', async () => {
      const d = (await kubectl().get('deployment', 'web', 'web')) as { spec?: { replicas?: number } } | null;
      return d?.spec?.replicas === 2;
    });
    await kubectl().run(['-n', 'web', 'set', 'image', 'deployment/web', 'web=nginx:hotfix']);
    const image = await eventually('image healed back', async () => {
      const d = (await kubectl().get('deployment', 'web', 'web')) as {
        spec?: { template?: { spec?: { containers?: { image: string }[] } } };
      } | null;
      return d?.spec?.template?.spec?.containers?.[0]?.image === 'nginx:1.27';
    });
    console.log(`self-heal: scale ${scaled.ms} ms, set image ${image.ms} ms`);
    // The healed image rolls the Deployment out again: Progressing until kwok's new pods are Ready.
    await eventually(
      'web Healthy after the rollout',
      async () => (await app('web'))?.status?.health?.status === 'Healthy',
    );
    const op = (await app('web'))?.status?.operationState;
    expect(op?.operation?.initiatedBy?.automated).toBe(true);
    expect(failed(await check(argocdApp, { kind: 'argocd.app', name: 'web' }))).toEqual([]);
  });

  it('every Argo CD listener is on 127.0.0.1 except the controller metrics port (hard-coded to all interfaces)', async (ctx) => {
    requireProcessProvider(ctx);
    const record = JSON.parse(await readFile(path.join(homeDir.path, 'clusters', 'argo', 'cluster.json'), 'utf8')) as {
      components: { component: string; pid: number }[];
      ports: Record<string, number>;
    };
    for (const c of record.components) {
      for (const a of listeningAddresses(c.pid)) {
        if (c.component === 'argocd-application-controller' && a.port === record.ports['argocd-controller-metrics']) {
          expect(a.address).toMatch(/^(::|0\.0\.0\.0)$/);
          continue;
        }
        expect(`${c.component} ${a.address}:${a.port}`).toMatch(/ (127\.0\.0\.1|::ffff:127\.0\.0\.1):\d+$/);
      }
    }
  });
});
