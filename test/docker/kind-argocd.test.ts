/**
 * kind and Argo CD for real: a cluster from the pinned node image, Argo CD installed server-side
 * and ready, an Application deploying from the lab Git server (bound to the kind network gateway),
 * and argocd.app following a pushed commit to the new revision.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DockerEngine } from '../../src/sandbox/docker-engine.ts';
import { KindCluster, kindNetworkGateway, type StartedKindCluster } from '../../src/sandbox/kind-cluster.ts';
import { installArgoCd } from '../../src/sandbox/argocd.ts';
import { GitServer, type StartedGitServer } from '../../src/sandbox/git-server.ts';
import { argocdApp } from '../../src/checks/argocd-app.ts';
import { k8sResource } from '../../src/checks/k8s-resource.ts';
import { Observations } from '../../src/checks/observations.ts';
import { requireEngine } from './engine.ts';

let engine: DockerEngine;
let home: string;
let cluster: StartedKindCluster;
let git: StartedGitServer;

beforeAll(async () => {
  engine = await requireEngine();
  home = path.join(os.tmpdir(), `dojo-docker-it-${process.pid}`);
  cluster = await new KindCluster({
    name: `dojo-it-${process.pid}`,
    dojoHome: home,
    env: { ...process.env, ...engine.env },
    lingerMs: 0,
  }).start((p) => console.log(`[kind] ${p.message}`));
  const gateway = process.platform === 'linux' ? await kindNetworkGateway(engine.binary) : null;
  git = await new GitServer({
    root: path.join(home, 'git'),
    host: gateway ?? '127.0.0.1',
    advertisedHost: gateway ?? (engine.cli === 'podman' ? 'host.containers.internal' : 'host.docker.internal'),
  }).start();
});

afterAll(async () => {
  await git?.stop();
  await cluster?.stop({ immediately: true });
});

const checkCtx = () => ({
  workspace: home,
  env: { ...process.env, KUBECONFIG: cluster.kubeconfig, DOJO_GIT_URL: git.url, DOJO_GIT_CLUSTER_URL: git.clusterUrl },
  observations: new Observations(),
  signal: AbortSignal.timeout(60_000),
});

describe('kind + Argo CD (real cluster)', () => {
  it('creates a cluster that answers, with our node label', async () => {
    expect(await cluster.kubectl().ready()).toBe(true);
    const nodes = await cluster.kubectl().list('nodes');
    expect(nodes[0]?.metadata.name).toMatch(/-control-plane$/);
    expect(JSON.stringify(nodes[0])).toContain('"dev.gitops-dojo/cluster":"true"');
  });

  it('installs Argo CD and deploys the lab repository, following a pushed commit', async () => {
    const progress: string[] = [];
    const argo = await installArgoCd({
      kubectl: cluster.kubectl(),
      dojoHome: home,
      onProgress: (m) => progress.push(m),
    });
    expect(argo.adminPassword).toBeTruthy();
    expect(progress.at(-1)).toMatch(/all 7 components ready/);

    const starter = path.join(home, 'starter');
    await mkdir(path.join(starter, 'k8s'), { recursive: true });
    const cm = (banner: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site-settings\n  namespace: team-site\ndata:\n  banner.txt: ${JSON.stringify(banner)}\n`;
    await writeFile(path.join(starter, 'k8s', 'configmap.yaml'), cm('Fresh beans every Tuesday.'));
    await git.createRepository('team-site', { from: starter });
    const app = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: team-site
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${git.repoUrl('team-site', { forCluster: true })}
    targetRevision: main
    path: k8s
  destination:
    server: https://kubernetes.default.svc
    namespace: team-site
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
`;
    await cluster.kubectl().run(['apply', '-f', '-'], { input: app });
    const options = argocdApp.schema.parse({
      kind: 'argocd.app',
      name: 'team-site',
      automated: true,
      selfHeal: true,
      path: 'k8s',
    });
    await vi.waitFor(async () => expect((await argocdApp.run(options, checkCtx())).filter((a) => !a.ok)).toEqual([]), {
      timeout: 300_000,
      interval: 3000,
    });

    // Change by commit: clone, edit, push; Argo CD must reach the new revision.
    const clone = path.join(home, 'clone');
    const gitEnv = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    };
    await execa('git', ['clone', git.repoUrl('team-site'), clone], { env: gitEnv });
    await writeFile(path.join(clone, 'k8s', 'configmap.yaml'), cm('Spring sale: 20% off every bag until Sunday.'));
    await execa('git', ['commit', '-am', 'Banner: spring sale'], { cwd: clone, env: gitEnv });
    await execa('git', ['push', 'origin', 'main'], { cwd: clone, env: gitEnv });
    await cluster
      .kubectl()
      .run([
        '-n',
        'argocd',
        'annotate',
        'application',
        'team-site',
        'argocd.argoproj.io/refresh=normal',
        '--overwrite',
      ]);
    const banner = k8sResource.schema.parse({
      kind: 'k8s.resource',
      resource: 'configmap',
      name: 'site-settings',
      namespace: 'team-site',
      fields: [{ path: 'data["banner.txt"]', contains: 'Spring sale' }],
    });
    await vi.waitFor(
      async () => {
        expect((await argocdApp.run(options, checkCtx())).filter((a) => !a.ok)).toEqual([]);
        expect((await k8sResource.run(banner, checkCtx())).filter((a) => !a.ok)).toEqual([]);
      },
      { timeout: 180_000, interval: 3000 },
    );
  });
});
