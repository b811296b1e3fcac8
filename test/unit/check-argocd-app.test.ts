/**
 * argocd.app on realistic Application objects (Argo CD 3.x shapes): Synced and OutOfSync,
 * Healthy, Progressing and Degraded, a revision behind the branch, a ComparisonError, a failed
 * manual sync. run() is exercised end to end with the real lab Git server (HEAD via git
 * ls-remote) and a fake kubectl serving the Application.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argocdApp,
  hostRepoUrl,
  judgeArgoApp,
  parseLsRemote,
  trackedRef,
  applicationSchema,
  type ArgoAppOptions,
  type TrackedHead,
} from '../../src/checks/argocd-app.ts';
import { Observations } from '../../src/checks/observations.ts';
import { parseKubeObject, type KubeObject } from '../../src/sandbox/kubectl.ts';
import { GitServer } from '../../src/sandbox/git-server.ts';
import { fakeBins } from '../contract/fake-cli.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const OLD = '4f1c2a9e7b3d5f60a8c1e2d3b4a5968778695a4b';
const NEW = '9b2e7d41c0a3f5e6d7c8b9a0f1e2d3c4b5a69788';
const app = async (name: string): Promise<KubeObject> =>
  parseKubeObject(
    await readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', `argocd-app.${name}.json`), 'utf8'),
  );
const opts = (o: Partial<ArgoAppOptions> = {}): ArgoAppOptions =>
  argocdApp.schema.parse({ kind: 'argocd.app', name: 'team-site', ...o });
const at = (revision: string): TrackedHead => ({ ref: 'refs/heads/main', revision });
const failing = (r: { ok: boolean; expected: string }[]) => r.filter((a) => !a.ok).map((a) => a.expected);

describe('judgeArgoApp', () => {
  it('passes a Synced, Healthy app at the head of main with automated sync and self-heal', async () => {
    const r = judgeArgoApp(
      opts({ path: 'k8s', automated: true, selfHeal: true, prune: true }),
      await app('synced-healthy'),
      at(OLD),
    );
    expect(failing(r)).toEqual([]);
    expect(r.find((a) => a.expected.startsWith('status.sync.revision'))?.message).toBe(
      'Application team-site (namespace argocd) is at 4f1c2a9, the head of refs/heads/main',
    );
  });

  it('fails a Synced app whose revision is behind the branch (the push was not seen yet)', async () => {
    const r = judgeArgoApp(opts(), await app('synced-healthy'), at(NEW));
    expect(failing(r)).toEqual(['status.sync.revision = 9b2e7d4 (refs/heads/main in the lab Git server)']);
    const rev = r.find((a) => !a.ok)!;
    expect(rev.found).toBe('status.sync.revision = 4f1c2a9');
    expect(rev.hint).toMatch(/did you push it.*argocd\.argoproj\.io\/refresh=normal/);
  });

  it('fails OutOfSync and Progressing while an automated sync of the new commit runs', async () => {
    const r = judgeArgoApp(opts(), await app('outofsync-progressing'), at(NEW));
    expect(failing(r)).toEqual(['sync status Synced', 'health Healthy']);
    expect(r.find((a) => a.expected === 'sync status Synced')?.found).toBe(
      'sync status OutOfSync (last operation Running)',
    );
    expect(r.find((a) => a.expected === 'health Healthy')?.hint).toMatch(/still starting/);
    // The revision already is the new commit: Argo CD compared against it.
    expect(r.find((a) => a.expected.startsWith('status.sync.revision'))?.ok).toBe(true);
    // "any" lets a step accept a state in passing (e.g. "see it go OutOfSync").
    expect(
      failing(judgeArgoApp(opts({ sync: 'OutOfSync', health: 'any' }), await app('outofsync-progressing'), at(NEW))),
    ).toEqual([]);
  });

  it('fails a Degraded app and tells where to look', async () => {
    const r = judgeArgoApp(opts(), await app('synced-degraded'), at(OLD));
    expect(failing(r)).toEqual(['health Healthy']);
    expect(r.find((a) => !a.ok)?.hint).toMatch(/kubectl -n <namespace> get pods/);
  });

  it("shows Argo CD's ComparisonError on failure", async () => {
    const r = judgeArgoApp(opts(), await app('comparison-error'), at(OLD));
    expect(failing(r)).toEqual([
      'sync status Synced',
      'status.sync.revision = 4f1c2a9 (refs/heads/main in the lab Git server)',
      'no error conditions on the Application',
    ]);
    const sync = r.find((a) => a.expected === 'sync status Synced')!;
    expect(sync.message).toMatch(
      /is Unknown, expected Synced\. Argo CD says: ComparisonError: Failed to load target state: .*connection refused/,
    );
    const cond = r.find((a) => a.expected === 'no error conditions on the Application')!;
    expect(cond.found).toMatch(/^ComparisonError: Failed to load target state/);
  });

  it('shows the failed operation and the manual sync policy', async () => {
    const r = judgeArgoApp(opts({ automated: true, selfHeal: true }), await app('sync-failed-manual'), at(NEW));
    expect(failing(r)).toEqual([
      'automated sync on (spec.syncPolicy.automated)',
      'self-heal on (spec.syncPolicy.automated.selfHeal)',
      'sync status Synced',
    ]);
    expect(r.find((a) => a.expected === 'sync status Synced')?.message).toMatch(
      /Argo CD says: last sync Failed: one or more objects failed to apply, reason: Deployment\.apps "site-edge" is invalid/,
    );
    expect(r.find((a) => a.expected.startsWith('automated'))?.hint).toMatch(/spec\.syncPolicy\.automated: \{\}/);
  });

  it('treats automated.enabled: false (Argo CD 3.x) as automated sync off', async () => {
    const raw = structuredClone(await app('synced-healthy')) as KubeObject & {
      spec: { syncPolicy: { automated: Record<string, boolean> } };
    };
    raw.spec.syncPolicy.automated['enabled'] = false;
    expect(failing(judgeArgoApp(opts({ automated: true }), raw, at(OLD)))).toEqual([
      'automated sync on (spec.syncPolicy.automated)',
    ]);
  });

  it('reports a missing Application, an unreadable branch, and a wrong path', async () => {
    expect(judgeArgoApp(opts(), null, null)[0]).toMatchObject({
      ok: false,
      message: 'Application team-site (namespace argocd) not found',
    });
    const r = judgeArgoApp(opts({ path: 'deploy' }), await app('synced-healthy'), {
      ref: 'refs/heads/main',
      error: 'repository not found',
    });
    expect(failing(r)).toEqual([
      'spec.source.path = "deploy"',
      'status.sync.revision equals the commit refs/heads/main points at',
    ]);
  });
});

describe('argocd.app helpers', () => {
  it('derives the tracked ref from targetRevision', async () => {
    const parsed = applicationSchema.parse(await app('synced-healthy'));
    expect(trackedRef({}, parsed)).toBe('refs/heads/main');
    expect(trackedRef({ branch: 'release' }, parsed)).toBe('refs/heads/release');
    expect(trackedRef({ branch: 'HEAD' }, parsed)).toBe('HEAD');
  });

  it('maps the cluster URL of the Git server to the one the host reaches', () => {
    const env = { DOJO_GIT_CLUSTER_URL: 'http://172.18.0.1:41234', DOJO_GIT_URL: 'http://172.18.0.1:41234' };
    expect(hostRepoUrl('http://172.18.0.1:41234/team-site.git', env)).toBe('http://172.18.0.1:41234/team-site.git');
    expect(
      hostRepoUrl('http://host.docker.internal:41234/team-site.git', {
        DOJO_GIT_CLUSTER_URL: 'http://host.docker.internal:41234',
        DOJO_GIT_URL: 'http://127.0.0.1:41234',
      }),
    ).toBe('http://127.0.0.1:41234/team-site.git');
  });

  it('parses git ls-remote output', () => {
    expect(parseLsRemote(`${OLD}\tHEAD\n${NEW}\trefs/heads/main\n`, 'refs/heads/main')).toBe(NEW);
    expect(parseLsRemote('', 'refs/heads/main')).toBeNull();
  });
});

describe('argocd.app run()', () => {
  it('compares status.sync.revision with the real HEAD of main in the lab Git server', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('argocd-app');
    const starter = path.join(dir.path, 'starter');
    await mkdir(path.join(starter, 'k8s'), { recursive: true });
    await writeFile(path.join(starter, 'k8s', 'configmap.yaml'), 'kind: ConfigMap\n');
    await using git = await new GitServer({
      root: path.join(dir.path, 'repos'),
      advertisedHost: 'host.docker.internal',
    }).start();
    const { head } = await git.createRepository('team-site', { from: starter });
    const application = structuredClone(await app('synced-healthy')) as KubeObject & {
      spec: { source: { repoURL: string } };
      status: { sync: { revision: string } };
    };
    application.spec.source.repoURL = git.repoUrl('team-site', { forCluster: true });
    application.status.sync.revision = head!;
    const fake = await fakeBins(dir.path, {
      clusters: [],
      objects: { 'applications.argoproj.io/argocd/team-site': application },
    });
    const env = {
      ...fake.env,
      KUBECONFIG: path.join(dir.path, 'kc'),
      DOJO_GIT_URL: git.url,
      DOJO_GIT_CLUSTER_URL: git.clusterUrl,
    };
    const run = () =>
      argocdApp.run(opts({ automated: true, selfHeal: true }), {
        workspace: dir.path,
        env,
        observations: new Observations(),
        signal: AbortSignal.timeout(10_000),
      });
    expect(failing(await run())).toEqual([]);

    // A new commit in the repository: the same Application is now behind.
    await writeFile(path.join(starter, 'k8s', 'configmap.yaml'), 'kind: ConfigMap\ndata: {}\n');
    await git.createRepository('team-site-2', { from: starter });
    application.status.sync.revision = OLD;
    await fake.setState({ clusters: [], objects: { 'applications.argoproj.io/argocd/team-site': application } });
    const behind = await run();
    expect(failing(behind)).toEqual([
      `status.sync.revision = ${head!.slice(0, 7)} (refs/heads/main in the lab Git server)`,
    ]);
  });
});
