/**
 * The process provider's pure parts: which provider is chosen and why, the cluster PKI (a fresh CA
 * per cluster, the API server's names, client identities), the control plane's command lines
 * (everything on 127.0.0.1, etcd behind client certificates), the webhook Argo CD receives, and
 * the page's summary of an Application.
 */
import { X509Certificate, createHmac } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseProvider, type ProviderProbe } from '../../src/sandbox/sandbox-provider.ts';
import { ensureClusterPki } from '../../src/sandbox/process-cluster/cluster-pki.ts';
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  schedulerArgs,
  type ControlPlaneLayout,
} from '../../src/sandbox/process-cluster/control-plane-args.ts';
import { pushPayload, signPayload } from '../../src/sandbox/argocd-webhook.ts';
import { refUpdates } from '../../src/sandbox/git-server.ts';
import { applicationView } from '../../src/shared/gitops-view.ts';
import { decideRegistrySteps, registryStepsMode } from '../../src/labs/registry-steps.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const engineDown =
  'The docker CLI is installed but no container engine answered (Cannot connect to the Docker daemon).';
const probe = (p: Partial<ProviderProbe>): ProviderProbe => ({
  engine: null,
  engineProblem: null,
  processProblem: null,
  ...p,
});

describe('choosing the sandbox provider', () => {
  it('auto: Docker when an engine answers, processes when none does, and says why', () => {
    expect(chooseProvider({}, probe({})).provider).toBe('docker');
    const p = chooseProvider({}, probe({ engineProblem: engineDown }));
    expect(p.provider).toBe('process');
    expect(p.reason).toMatch(
      /^auto: Docker is not usable here \(The docker CLI is installed but no container engine answered/,
    );
    expect(p.reason).toMatch(/and the process sandbox is installed$/);
  });

  it('honours DOJO_PROVIDER, and refuses a choice that cannot run, naming the fix', () => {
    expect(chooseProvider({ DOJO_PROVIDER: 'process' }, probe({})).reason).toBe('DOJO_PROVIDER=process');
    expect(() => chooseProvider({ DOJO_PROVIDER: 'docker' }, probe({ engineProblem: engineDown }))).toThrow(
      /DOJO_PROVIDER=docker, but The docker CLI .* Fix: start the engine, or use DOJO_PROVIDER=process/,
    );
    expect(() =>
      chooseProvider({ DOJO_PROVIDER: 'process' }, probe({ processProblem: 'kube-apiserver is missing' })),
    ).toThrow(/DOJO_PROVIDER=process, but kube-apiserver is missing/);
    expect(() => chooseProvider({ DOJO_PROVIDER: 'podman' }, probe({}))).toThrow(
      /expected DOJO_PROVIDER to be docker, process or auto, found "podman"/,
    );
  });

  it('names both ways out when neither can run', () => {
    expect(() =>
      chooseProvider({}, probe({ engineProblem: engineDown, processProblem: 'the process provider needs etcd' })),
    ).toThrow(
      /^no way to run this sandbox here\. Docker: The docker CLI .* Processes: the process provider needs etcd/,
    );
  });
});

describe('cluster PKI', () => {
  it('makes a CA of its own per cluster, an API server certificate for its names, and client identities', async () => {
    await using dir = await tempDir('pki');
    const { pki, created } = await ensureClusterPki(path.join(dir.path, 'a'), 'dev');
    expect(created).toBe(true);
    const ca = new X509Certificate(await readFile(pki.caCert));
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=gitops-dojo dev CA');
    const api = new X509Certificate(await readFile(pki.apiserverCert));
    expect(api.verify(ca.publicKey)).toBe(true);
    for (const name of [
      'DNS:kubernetes.default.svc',
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:10.96.0.1',
    ]) {
      expect(api.subjectAltName).toContain(name);
    }
    const admin = new X509Certificate(await readFile(pki.adminCert));
    expect(admin.subject).toMatch(/O=system:masters/);
    expect(admin.checkIssued(ca)).toBe(true);
    // Keys are private to the user.
    expect((await stat(pki.caKey)).mode & 0o777).toBe(0o600);
    expect((await stat(pki.dir)).mode & 0o777).toBe(0o700);
    // A second cluster never shares the first one's CA; an existing PKI is kept as is.
    const other = await ensureClusterPki(path.join(dir.path, 'b'), 'prod');
    expect(await readFile(other.pki.caCert, 'utf8')).not.toBe(await readFile(pki.caCert, 'utf8'));
    const again = await ensureClusterPki(path.join(dir.path, 'a'), 'dev');
    expect(again.created).toBe(false);
    expect(await readFile(again.pki.caCert, 'utf8')).toBe(await readFile(pki.caCert, 'utf8'));
  });
});

describe('control plane command lines', () => {
  const layout = {
    name: 'dev',
    dir: '/h/clusters/dev',
    pki: Object.fromEntries(
      [
        'caCert',
        'caKey',
        'apiserverCert',
        'apiserverKey',
        'adminCert',
        'adminKey',
        'controllerManagerCert',
        'controllerManagerKey',
        'schedulerCert',
        'schedulerKey',
        'etcdCert',
        'etcdKey',
        'etcdClientCert',
        'etcdClientKey',
        'serviceAccountKey',
        'serviceAccountPub',
      ].map((k) => [k, `/pki/${k}`]),
    ),
    ports: {
      etcdClient: 1001,
      etcdPeer: 1002,
      etcdMetrics: 1003,
      apiserver: 1004,
      controllerManager: 1005,
      scheduler: 1006,
      kwok: 1007,
    },
    kubeconfigs: { admin: '/h/kc', controllerManager: '/h/cm.kc', scheduler: '/h/s.kc' },
    kwokStages: '/share/stages.yaml',
  } as unknown as ControlPlaneLayout;

  it('binds every listener to 127.0.0.1', () => {
    const all = [
      ...etcdArgs(layout),
      ...apiserverArgs(layout),
      ...controllerManagerArgs(layout),
      ...schedulerArgs(layout),
      ...kwokArgs(layout),
    ];
    const addresses = all.flatMap((a) => [...a.matchAll(/(?:https?:\/\/)?(\d+\.\d+\.\d+\.\d+):\d+/g)].map((m) => m[1]));
    expect(new Set(addresses)).toEqual(new Set(['127.0.0.1']));
    expect(apiserverArgs(layout)).toContain('--bind-address=127.0.0.1');
    expect(controllerManagerArgs(layout)).toContain('--bind-address=127.0.0.1');
    expect(schedulerArgs(layout)).toContain('--bind-address=127.0.0.1');
  });

  it('puts etcd behind client certificates and the API server in front of it with its own', () => {
    expect(etcdArgs(layout)).toEqual(
      expect.arrayContaining(['--client-cert-auth=true', '--trusted-ca-file=/pki/caCert']),
    );
    expect(apiserverArgs(layout)).toEqual(
      expect.arrayContaining([
        '--etcd-servers=https://127.0.0.1:1001',
        '--etcd-certfile=/pki/etcdClientCert',
        '--authorization-mode=Node,RBAC',
      ]),
    );
    expect(kwokArgs(layout)).toContain('--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake');
  });
});

describe('push webhooks for Argo CD', () => {
  it('reports what moved, as a signed GitHub push event', () => {
    const before = new Map([['refs/heads/main', 'a'.repeat(40)]]);
    const after = new Map([
      ['refs/heads/main', 'b'.repeat(40)],
      ['refs/heads/feature', 'c'.repeat(40)],
    ]);
    const updates = refUpdates(before, after);
    expect(updates).toEqual([
      { ref: 'refs/heads/main', before: 'a'.repeat(40), after: 'b'.repeat(40) },
      { ref: 'refs/heads/feature', before: '0'.repeat(40), after: 'c'.repeat(40) },
    ]);
    const payload = pushPayload('http://127.0.0.1:4000/team-site.git', updates[0]!, {
      added: [],
      modified: ['k8s/configmap.yaml'],
      removed: [],
    });
    expect(payload.repository.html_url).toBe('http://127.0.0.1:4000/team-site');
    expect(payload.commits[0]?.modified).toEqual(['k8s/configmap.yaml']);
    const body = JSON.stringify(payload);
    expect(signPayload(body, 's3cret')).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
  });
});

describe('the page view of an Application', () => {
  it('summarises sync, health, revision, the last operation and who started it', () => {
    const view = applicationView({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop-dev', namespace: 'argocd', ownerReferences: [{ kind: 'ApplicationSet', name: 'shop' }] },
      spec: {
        project: 'dev',
        source: { repoURL: 'http://127.0.0.1:4000/shop.git', path: 'overlays/dev', targetRevision: 'main' },
        destination: { name: 'dev', namespace: 'shop' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
      status: {
        sync: { status: 'Synced', revision: 'f'.repeat(40) },
        health: { status: 'Healthy' },
        summary: { images: ['ghcr.io/northwind/shop:1.4.0'] },
        resources: [
          { kind: 'Deployment', name: 'shop', namespace: 'shop', status: 'Synced', health: { status: 'Healthy' } },
        ],
        operationState: {
          phase: 'Succeeded',
          message: 'successfully synced',
          startedAt: '2026-12-01T10:00:00Z',
          finishedAt: '2026-12-01T10:00:02Z',
          operation: { initiatedBy: { automated: true } },
          syncResult: { revision: 'f'.repeat(40) },
        },
        history: [
          { id: 1, revision: 'e'.repeat(40), deployedAt: '2026-12-01T09:00:00Z', initiatedBy: { username: 'admin' } },
          { id: 2, revision: 'f'.repeat(40), deployedAt: '2026-12-01T10:00:02Z', initiatedBy: { automated: true } },
        ],
      },
    });
    expect(view).toMatchObject({
      name: 'shop-dev',
      destination: 'dev',
      automated: true,
      selfHeal: true,
      sync: 'Synced',
      health: 'Healthy',
      images: ['ghcr.io/northwind/shop:1.4.0'],
      generatedBy: 'shop',
      operation: { phase: 'Succeeded', initiatedBy: 'automated' },
    });
    expect(view.history.map((h) => `${h.id}:${h.initiatedBy}`)).toEqual(['2:automated', '1:admin']);
    expect(applicationView({ metadata: { name: 'new' }, spec: {} })).toMatchObject({
      sync: 'Unknown',
      health: 'Unknown',
      operation: null,
      automated: false,
    });
  });
});

describe('steps that need the Terraform registry', () => {
  it('follows DOJO_AWS_PROVIDER_STEPS: off says not applicable without trying, require runs, auto asks the registry', async () => {
    expect(registryStepsMode({ CI: 'true' })).toBe('require');
    expect(registryStepsMode({})).toBe('auto');
    expect(() => registryStepsMode({ DOJO_AWS_PROVIDER_STEPS: 'maybe' })).toThrow(
      /expected DOJO_AWS_PROVIDER_STEPS to be require, auto or off/,
    );
    const never: typeof fetch = () => Promise.reject(new Error('must not be called'));
    expect(await decideRegistrySteps({ DOJO_AWS_PROVIDER_STEPS: 'off' }, never)).toMatchObject({
      applicable: false,
      line: expect.stringMatching(/not applicable \(DOJO_AWS_PROVIDER_STEPS=off/),
    });
    expect((await decideRegistrySteps({ DOJO_AWS_PROVIDER_STEPS: 'require' }, never)).applicable).toBe(true);
    const down: typeof fetch = () => Promise.reject(new Error('ENOTFOUND'));
    expect(await decideRegistrySteps({ DOJO_AWS_PROVIDER_STEPS: 'auto' }, down)).toMatchObject({
      applicable: false,
      line: expect.stringContaining('neither registry.terraform.io nor registry.opentofu.org answers'),
    });
    const up: typeof fetch = () => Promise.resolve(new Response('{}', { status: 200 }));
    expect(await decideRegistrySteps({ DOJO_AWS_PROVIDER_STEPS: 'auto' }, up)).toMatchObject({
      applicable: true,
      line: expect.stringContaining('registry.opentofu.org answers'),
    });
  });
});
