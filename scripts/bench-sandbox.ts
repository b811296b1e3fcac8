/**
 * `npm run bench:sandbox`: how fast and how heavy the process provider's GitOps sandbox is, side
 * by side with what kind needs for the same (measured where a Docker engine answers; otherwise the
 * README's figures on paper, marked so).
 *
 * Measured on a fresh DOJO_HOME, with the settings the labs use (Argo CD reconciliation 20 s, push
 * webhooks on): cold start to API ready and to Argo CD ready; a warm cluster reused; a stopped one
 * restarted from its data; Application created to Synced/Healthy; commit pushed to synced, with
 * the webhook and (once) by polling alone; drift (kubectl scale, set image, a deleted Service) to
 * self-healed; RSS per process and in total at steady state; and `argocd.app` / `k8s.resource`
 * check latency (p50, p95) on the real API.
 *
 * Usage: npm run bench:sandbox [-- --runs 20] [-- --no-polling]
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { argocdApp } from '../src/checks/argocd-app.ts';
import { k8sResource } from '../src/checks/k8s-resource.ts';
import { Observations } from '../src/checks/observations.ts';
import { announcePushes } from '../src/sandbox/argocd-webhook.ts';
import { processProvider } from '../src/sandbox/cluster-provider.ts';
import { detectDockerEngine } from '../src/sandbox/docker-engine.ts';
import { GitServer } from '../src/sandbox/git-server.ts';
import { Kubectl } from '../src/sandbox/kubectl.ts';
import { findProcessBinaries, processProviderProblem } from '../src/sandbox/process-binaries.ts';
import { readClusterRecord } from '../src/sandbox/process-cluster/cluster-record.ts';
import { toolEnv } from '../src/sandbox/which.ts';

/** The parts of an Application's status these probes read. */
interface AppStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string };
  operationState?: { phase?: string; message?: string; operation?: { initiatedBy?: { automated?: boolean } } };
  conditions?: unknown[];
  history?: { revision: string }[];
}

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, 'no-polling': { type: 'boolean' } },
});
const runs = Math.max(3, Math.min(200, Number(values.runs)));
const problem = processProviderProblem();
if (problem) {
  console.error(`bench:sandbox needs the process provider: ${problem}`);
  process.exit(1);
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const t = () => performance.now();

async function until(what: string, probe: () => Promise<boolean>, ms = 120_000): Promise<number> {
  const t0 = t();
  for (;;) {
    if (await probe().catch(() => false)) return t() - t0;
    if (t() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-bench-sandbox-'));
const gitEnv = {
  ...toolEnv(),
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'b@dojo.local',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'b@dojo.local',
};
const rows: [string, string, string][] = [];
const row = (what: string, process_: string, kind: string) => {
  rows.push([what, process_, kind]);
  console.log(`  ${what}: ${process_}`);
};

let engine = false;
try {
  await detectDockerEngine();
  engine = true;
} catch {
  engine = false;
}
const paper = (x: string) =>
  engine ? `${x} (paper; run test/docker for measured)` : `${x} (on paper: no engine here)`;

console.log(
  `bench:sandbox  process provider, ${os.cpus().length} CPU(s), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
try {
  // --- cold start ------------------------------------------------------------------------------
  const t0 = t();
  let apiReady = 0;
  const cluster = await processProvider.startCluster({
    name: 'bench',
    dojoHome: home,
    onProgress: (m) => {
      if (!apiReady && /Starting the controller-manager/.test(m)) apiReady = t() - t0;
    },
  });
  const clusterReady = t() - t0;
  const argo = await processProvider.startArgoCd(cluster, { dojoHome: home });
  const argoReady = t() - t0;
  row('cold start to API ready', s(apiReady), paper('25-45 s create cluster, after 40-90 s image pull'));
  row('cold start to cluster ready (nodes, controllers)', s(clusterReady), paper('same'));
  row('cold start to Argo CD ready', s(argoReady), paper('3-5 min (Argo CD images pulled inside the node)'));

  // --- warm and restart ------------------------------------------------------------------------
  let w = t();
  const warm = await processProvider.startCluster({ name: 'bench', dojoHome: home });
  await processProvider.startArgoCd(warm, { dojoHome: home });
  row(
    `warm cluster + Argo CD reused (${warm.how})`,
    s(t() - w),
    paper('about 10 s (LocalStack dominates); cluster ~1 s'),
  );

  // --- GitOps transitions ----------------------------------------------------------------------
  const git = await new GitServer({ root: path.join(home, 'git') }).start();
  const unannounce = announcePushes(git, argo.webhook);
  const seed = path.join(home, 'seed');
  await mkdir(path.join(seed, 'k8s'), { recursive: true });
  const manifests = (banner: string) =>
    [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { banner } },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n---\n');
  await writeFile(path.join(seed, 'k8s', 'app.yaml'), manifests('v0'));
  await git.createRepository('bench', { from: seed });
  const work = path.join(home, 'work');
  await execa('git', ['clone', '--quiet', git.repoUrl('bench'), work], { env: gitEnv });
  const bin = findProcessBinaries().home;
  const env: NodeJS.ProcessEnv = {
    ...toolEnv(),
    ...argo.env,
    PATH: [path.join(bin, 'bin'), toolEnv()['PATH'] ?? ''].join(path.delimiter),
    KUBECONFIG: cluster.kubeconfig,
    DOJO_GIT_URL: git.url,
    DOJO_GIT_CLUSTER_URL: git.clusterUrl,
  };
  const k = new Kubectl(cluster.kubeconfig, { env });
  const app = async () => (await k.get('applications.argoproj.io', 'web', 'argocd')) as { status?: AppStatus } | null;
  const application = JSON.stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: git.repoUrl('bench', { forCluster: true }), targetRevision: 'main', path: 'k8s' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    },
  });
  await k.run(['apply', '-f', '-'], { input: application });
  const created = await until('Synced/Healthy', async () => {
    const a = await app();
    return a?.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy';
  });
  row('Application created to Synced/Healthy', s(created), paper('similar (same controllers), plus real pod start-up'));

  const push = async (banner: string) => {
    await writeFile(path.join(work, 'k8s', 'app.yaml'), manifests(banner));
    await execa('git', ['commit', '--quiet', '-am', banner], { cwd: work, env: gitEnv });
    const t1 = t();
    await execa('git', ['push', '--quiet', 'origin', 'main'], { cwd: work, env: gitEnv });
    const head = (await execa('git', ['rev-parse', 'HEAD'], { cwd: work, env: gitEnv })).stdout.trim();
    await until(
      `sync to ${head}`,
      async () => (await app())?.status?.sync?.revision === head && (await app())?.status?.sync?.status === 'Synced',
    );
    return t() - t1;
  };
  const webhookTimes: number[] = [];
  for (let i = 1; i <= 3; i++) webhookTimes.push(await push(`v${i}`));
  row(
    'commit pushed to synced (webhook, median of 3)',
    s(pct(webhookTimes, 50)),
    paper('20-40 s: polling at 20 s (no webhook into kind)'),
  );
  if (!values['no-polling']) {
    unannounce();
    row('commit pushed to synced (polling alone at 20 s, 1 sample)', s(await push('polled')), paper('same'));
  }

  const heal = async (what: string, act: () => Promise<unknown>, healed: () => Promise<boolean>) => {
    const t1 = t();
    await act();
    await until(`${what} healed`, healed);
    return t() - t1;
  };
  const dep = async () =>
    (await k.get('deployment', 'web', 'web')) as {
      spec?: { replicas?: number; template?: { spec?: { containers?: { image: string }[] } } };
    } | null;
  const scale = await heal(
    'scale',
    () => k.run(['-n', 'web', 'scale', 'deployment/web', '--replicas=5']),
    async () => (await dep())?.spec?.replicas === 2,
  );
  const image = await heal(
    'set image',
    () => k.run(['-n', 'web', 'set', 'image', 'deployment/web', 'web=nginx:hotfix']),
    async () => (await dep())?.spec?.template?.spec?.containers?.[0]?.image === 'nginx:1.27',
  );
  const svc = await heal(
    'deleted Service',
    () => k.run(['-n', 'web', 'delete', 'service', 'web']),
    async () => (await k.get('service', 'web', 'web')) !== null,
  );
  row(
    'drift to self-healed: kubectl scale / set image / delete svc',
    `${s(scale)} / ${s(image)} / ${s(svc)}`,
    paper('about 5 s each (self-heal after ~5 s)'),
  );

  // --- checks on the real API --------------------------------------------------------------------
  const checkTimes = async (
    c: { schema: { parse: (x: unknown) => unknown }; run: (o: never, x: never) => Promise<unknown> },
    options: unknown,
  ) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t1 = t();
      const out = (await c.run(
        c.schema.parse(options) as never,
        { workspace: work, env, observations: new Observations(), signal: new AbortController().signal } as never,
      )) as { ok: boolean }[];
      times.push(t() - t1);
      if (out.some((a) => !a.ok)) throw new Error(`check failed during the benchmark: ${JSON.stringify(out)}`);
    }
    return `p50 ${pct(times, 50).toFixed(0)} ms, p95 ${pct(times, 95).toFixed(0)} ms`;
  };
  row(
    `argocd.app check (${runs} runs)`,
    await checkTimes(argocdApp, { kind: 'argocd.app', name: 'web' }),
    'same kubectl path',
  );
  row(
    `k8s.resource check (${runs} runs)`,
    await checkTimes(k8sResource, {
      kind: 'k8s.resource',
      resource: 'deployment',
      name: 'web',
      namespace: 'web',
      fields: [{ path: 'status.readyReplicas', atLeast: 2 }],
    }),
    'same kubectl path',
  );

  // --- memory --------------------------------------------------------------------------------
  const record = readClusterRecord(home, 'bench');
  let total = 0;
  const perProcess: string[] = [];
  for (const c of record?.components ?? []) {
    const kib = rssKiB(c.pid);
    total += kib;
    perProcess.push(`${c.component} ${(kib / 1024).toFixed(0)} MiB`);
  }
  console.log(`  RSS per process: ${perProcess.join(', ')}`);
  row(
    'total RSS, one cluster with Argo CD (steady state)',
    `${(total / 1024 / 1024).toFixed(2)} GiB`,
    paper('about 2-3 GiB in the kind node + Docker VM'),
  );

  // --- restart from data ------------------------------------------------------------------------
  await git.stop();
  await cluster.stop();
  w = t();
  const restarted = await processProvider.startCluster({ name: 'bench', dojoHome: home });
  await processProvider.startArgoCd(restarted, { dojoHome: home });
  row(
    `stopped cluster restarted from its data (${restarted.how}) with Argo CD`,
    s(t() - w),
    paper('kind: a deleted cluster is recreated (25-45 s + Argo CD)'),
  );
  await restarted.stop();

  console.log('\nwhat                                                     | process provider           | kind');
  console.log('-'.repeat(120));
  for (const [what, p, kd] of rows) console.log(`${what.padEnd(56)} | ${p.padEnd(26)} | ${kd}`);
  console.log(
    '\naims: cold to Argo CD ready < 25 s; warm reuse < 3 s; total RSS < 1.2 GiB; argocd.app/k8s.resource p95 < 300 ms',
  );
} finally {
  await rm(home, { recursive: true, force: true }).catch(() => undefined);
}
