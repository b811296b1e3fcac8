/**
 * Contract of the Argo CD driver: the pinned release and its checksum, the manifest cache, what
 * it applies (server-side, argocd namespace, settings first), how it reads workload readiness
 * and pods, and the admin password, against a fake kubectl answering captured JSON.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ARGOCD_COMPONENTS,
  ARGOCD_INSTALL_SHA256,
  ARGOCD_VERSION,
  argoCdSettingsManifest,
  argoCdVersion,
  componentStates,
  decodeAdminPassword,
  installArgoCd,
  installManifest,
  installManifestUrl,
  stuckPods,
} from '../../src/sandbox/argocd.ts';
import { Kubectl, parseKubeList, parseKubeObject } from '../../src/sandbox/kubectl.ts';
import { fakeBins } from '../contract/fake-cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');

/** A fetch that serves one body, recording the URLs asked for. */
function fakeFetch(body: string, status = 200) {
  const urls: string[] = [];
  const f = ((url: string) => {
    urls.push(url);
    return Promise.resolve(new Response(body, { status }));
  }) as unknown as typeof fetch;
  return { f, urls };
}

describe('Argo CD driver: release and manifest', () => {
  it('pins a 3.x release and downloads its install.yaml from the tag', () => {
    expect(ARGOCD_VERSION).toMatch(/^v3\.\d+\.\d+$/);
    expect(installManifestUrl(ARGOCD_VERSION)).toBe(
      `https://raw.githubusercontent.com/argoproj/argo-cd/${ARGOCD_VERSION}/manifests/install.yaml`,
    );
    expect(ARGOCD_INSTALL_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(argoCdVersion({})).toBe(ARGOCD_VERSION);
    expect(argoCdVersion({ DOJO_ARGOCD_VERSION: 'v3.4.7' })).toBe('v3.4.7');
    expect(() => argoCdVersion({ DOJO_ARGOCD_VERSION: 'v2.14.0' })).toThrow(/Argo CD 3\.x tag such as v3/);
  });

  it('refuses a pinned manifest whose checksum differs, and does not cache it', async () => {
    await using home = await tempDir('argocd');
    const { f } = fakeFetch('apiVersion: v1\nkind: List\n');
    await expect(installManifest(home.path, ARGOCD_VERSION, { fetch: f })).rejects.toThrow(
      /has SHA-256 [0-9a-f]{64}, expected 795a3a97/,
    );
    await expect(readFile(path.join(home.path, 'cache', 'argocd', ARGOCD_VERSION, 'install.yaml'))).rejects.toThrow();
  });

  it('uses a cached manifest with the right checksum without downloading', async () => {
    await using home = await tempDir('argocd');
    // A body whose checksum we control stands for a non-pinned tag; the pinned tag's bytes cannot be made up.
    const dir = path.join(home.path, 'cache', 'argocd', 'v3.4.7');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'install.yaml'), 'cached\n');
    const { f, urls } = fakeFetch('fresh\n');
    const r = await installManifest(home.path, 'v3.4.7', { fetch: f });
    expect(r).toMatchObject({ downloaded: false, verified: false });
    expect(urls).toEqual([]);
  });

  it('downloads once into DOJO_HOME/cache/argocd/<tag>/install.yaml and says where on failure', async () => {
    await using home = await tempDir('argocd');
    const { f, urls } = fakeFetch('kind: List\n');
    const r = await installManifest(home.path, 'v3.4.7', { fetch: f });
    expect(r).toEqual({
      file: path.join(home.path, 'cache', 'argocd', 'v3.4.7', 'install.yaml'),
      downloaded: true,
      verified: false,
    });
    expect(urls).toEqual([installManifestUrl('v3.4.7')]);
    expect(
      createHash('sha256')
        .update(await readFile(r.file))
        .digest('hex'),
    ).toBe(createHash('sha256').update('kind: List\n').digest('hex'));
    const offline = (() => Promise.reject(new TypeError('fetch failed'))) as unknown as typeof fetch;
    await expect(installManifest(home.path, 'v3.3.14', { fetch: offline })).rejects.toThrow(
      /could not download the Argo CD v3\.3\.14 install manifest .*fetch failed.*connect to the internet once .*cache/,
    );
  });

  it('shortens reconciliation to 20 s in argocd-cm (applied before the controllers start)', () => {
    const m = argoCdSettingsManifest();
    expect(m).toContain('name: argocd-cm');
    expect(m).toContain('namespace: argocd');
    expect(m).toContain('timeout.reconciliation: 20s');
  });
});

describe('Argo CD driver: reading the cluster', () => {
  it('reports each component of install.yaml with its ready count', async () => {
    const partly = componentStates(parseKubeList(await captured('argocd-workloads.partly-ready.json')));
    expect(partly.map((s) => s.component)).toEqual([...ARGOCD_COMPONENTS]);
    expect(partly.filter((s) => !s.ready).map((s) => `${s.component} ${s.detail}`)).toEqual([
      'Deployment/argocd-repo-server 0/1 ready',
      'Deployment/argocd-server 0/1 ready',
      'StatefulSet/argocd-application-controller 0/1 ready',
    ]);
    expect(componentStates(parseKubeList(await captured('argocd-workloads.ready.json'))).every((s) => s.ready)).toBe(
      true,
    );
    expect(componentStates([])[0]).toEqual({
      component: ARGOCD_COMPONENTS[0],
      ready: false,
      detail: 'not created yet',
    });
  });

  it('names pods stuck on an image pull, with the image and the reason', async () => {
    expect(stuckPods(parseKubeList(await captured('argocd-pods.image-pull-backoff.json')))).toEqual([
      expect.stringMatching(
        /^argocd-server-6c9f7d8b5d-x2k4p: ImagePullBackOff \(quay\.io\/argoproj\/argocd:v3\.5\.1\): .*no such host/,
      ),
    ]);
  });

  it('decodes the initial admin password', async () => {
    expect(decodeAdminPassword(parseKubeObject(await captured('argocd-initial-admin-secret.json')))).toBe(
      'Xk2v9QpL-3rTz8aB',
    );
  });
});

describe('Argo CD driver: install against a fake kubectl', () => {
  it('applies namespace, settings and the manifest server-side, waits with progress, returns the password', async () => {
    await using dir = await tempDir('argocd');
    const home = path.join(dir.path, 'home');
    const cache = path.join(home, 'cache', 'argocd', 'v3.4.7');
    await mkdir(cache, { recursive: true });
    await writeFile(path.join(cache, 'install.yaml'), 'apiVersion: v1\nkind: List\nitems: []\n');
    const partly = JSON.parse(await captured('argocd-workloads.partly-ready.json')) as unknown;
    const ready = JSON.parse(await captured('argocd-workloads.ready.json')) as unknown;
    const fake = await fakeBins(dir.path, {
      clusters: [],
      lists: { 'deployments,statefulsets/argocd': [partly, partly, ready] },
      objects: {
        'secret/argocd/argocd-initial-admin-secret': JSON.parse(
          await captured('argocd-initial-admin-secret.json'),
        ) as unknown,
      },
    });
    const kubeconfig = path.join(dir.path, 'kubeconfig');
    const progress: [string, number][] = [];
    const installed = await installArgoCd({
      kubectl: new Kubectl(kubeconfig, { env: fake.env, binary: path.join(fake.dir, 'kubectl') }),
      dojoHome: home,
      env: { DOJO_ARGOCD_VERSION: 'v3.4.7' },
      pollMs: 10,
      onProgress: (m, f) => progress.push([m, f]),
    });
    expect(installed).toMatchObject({ version: 'v3.4.7', namespace: 'argocd', adminPassword: 'Xk2v9QpL-3rTz8aB' });
    const applies = (await fake.calls()).filter((c) => c[1] === 'apply');
    expect(applies).toEqual([
      ['kubectl', 'apply', '--server-side', '--field-manager=gitops-dojo', '-f', '-', `KUBECONFIG=${kubeconfig}`],
      [
        'kubectl',
        'apply',
        '--server-side',
        '--field-manager=gitops-dojo-settings',
        '-f',
        '-',
        `KUBECONFIG=${kubeconfig}`,
      ],
      [
        'kubectl',
        'apply',
        '--server-side',
        '--field-manager=gitops-dojo',
        '--force-conflicts',
        '-n',
        'argocd',
        '-f',
        path.join(cache, 'install.yaml'),
        `KUBECONFIG=${kubeconfig}`,
      ],
    ]);
    expect(
      progress.some(([m]) =>
        /4\/7 components ready after \d+ s \(waiting for argocd-repo-server, argocd-server, argocd-application-controller\)/.test(
          m,
        ),
      ),
    ).toBe(true);
    expect(progress.at(-1)?.[0]).toMatch(/all 7 components ready/);
    const fractions = progress.map(([, f]) => f);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('times out naming what is not ready and the stuck pods', async () => {
    await using dir = await tempDir('argocd');
    const home = path.join(dir.path, 'home');
    const cache = path.join(home, 'cache', 'argocd', 'v3.4.7');
    await mkdir(cache, { recursive: true });
    await writeFile(path.join(cache, 'install.yaml'), 'kind: List\n');
    const fake = await fakeBins(dir.path, {
      clusters: [],
      lists: {
        'deployments,statefulsets/argocd': [
          JSON.parse(await captured('argocd-workloads.partly-ready.json')) as unknown,
        ],
        'pods/argocd': [JSON.parse(await captured('argocd-pods.image-pull-backoff.json')) as unknown],
      },
    });
    await expect(
      installArgoCd({
        kubectl: new Kubectl(path.join(dir.path, 'kc'), { env: fake.env, binary: path.join(fake.dir, 'kubectl') }),
        dojoHome: home,
        env: { DOJO_ARGOCD_VERSION: 'v3.4.7' },
        timeoutMs: 50,
        pollMs: 10,
      }),
    ).rejects.toThrow(
      /timed out after 0 s waiting for Argo CD v3\.4\.7: Deployment\/argocd-repo-server 0\/1 ready.* Stuck pods: argocd-server-.*ImagePullBackOff/,
    );
  });
});
