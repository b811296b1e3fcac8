/**
 * Contract of the kind driver: the config and arguments it produces, how it reads kind's output
 * (captured from kind v0.32.0 on a machine without an engine), and its lifecycle (reap, create,
 * reuse, delete) against a fake `kind` at the one edge this machine cannot run.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_PREFIX,
  KIND_NODE_IMAGE,
  KindCluster,
  KindError,
  explainKindError,
  kindConfig,
  kindCreateArgs,
  parseKindClusters,
  parseNetworkGateway,
  reapDecision,
  reapKindClusters,
} from '../../src/sandbox/kind-cluster.ts';
import { fakeBins } from '../contract/fake-cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');

describe('kind driver: what it hands to kind', () => {
  it('pins kind v0.32.0 default node image by digest', () => {
    expect(KIND_NODE_IMAGE).toMatch(/^kindest\/node:v1\.36\.1@sha256:[0-9a-f]{64}$/);
  });

  it('writes a v1alpha4 config with the pinned image, our node label, loopback API server and port mappings', () => {
    const config = parseYaml(
      kindConfig({
        nodeImage: KIND_NODE_IMAGE,
        portMappings: [{ containerPort: 30080, hostPort: 8088, listenAddress: '127.0.0.1', protocol: 'TCP' }],
      }),
    ) as Record<string, unknown>;
    expect(config).toEqual({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      networking: { apiServerAddress: '127.0.0.1' },
      nodes: [
        {
          role: 'control-plane',
          image: KIND_NODE_IMAGE,
          labels: { 'dev.gitops-dojo/cluster': 'true' },
          extraPortMappings: [{ containerPort: 30080, hostPort: 8088, listenAddress: '127.0.0.1', protocol: 'TCP' }],
        },
      ],
    });
  });

  it('creates with an explicit config, its own kubeconfig (never ~/.kube/config) and a wait', () => {
    expect(
      kindCreateArgs('dojo-gitops', '/h/kind/dojo-gitops.kind.yaml', '/h/kind/dojo-gitops.kubeconfig', 180),
    ).toEqual([
      'create',
      'cluster',
      '--name',
      'dojo-gitops',
      '--config',
      '/h/kind/dojo-gitops.kind.yaml',
      '--kubeconfig',
      '/h/kind/dojo-gitops.kubeconfig',
      '--wait',
      '180s',
    ]);
  });

  it('refuses cluster names without the dojo- prefix, saying why', () => {
    expect(() => new KindCluster({ name: 'kind', dojoHome: '/tmp/x' })).toThrow(/starting with "dojo-"/);
    expect(CLUSTER_PREFIX).toBe('dojo-');
  });
});

describe('kind driver: reading kind', () => {
  it('lists clusters from stdout, ignoring the "No kind clusters found." line', async () => {
    expect(parseKindClusters(await captured('kind-get-clusters.two.stdout'))).toEqual(['dojo-gitops', 'kind']);
    expect(parseKindClusters('')).toEqual([]);
    expect(parseKindClusters('No kind clusters found.\n')).toEqual([]);
  });

  it('explains a Docker CLI without an engine (captured kind get clusters / create cluster)', async () => {
    for (const file of [
      'kind-get-clusters.no-engine.stderr',
      'kind-create.no-engine.stderr',
      'kind-delete.no-engine.stderr',
    ]) {
      const msg = explainKindError('list clusters', await captured(file));
      expect(msg, file).toMatch(/no Docker engine answers/);
      expect(msg, file).toMatch(/Start Docker Desktop or the Docker service/);
      expect(msg.length, file).toBeLessThan(400); // not kind's 1.5 KB docker info dump
    }
  });

  it('explains KIND_EXPERIMENTAL_PROVIDER=podman without podman installed', async () => {
    const msg = explainKindError('list clusters', await captured('kind-get-clusters.podman-missing.stderr'));
    expect(msg).toBe(
      'kind could not list clusters: podman is not installed. Install it, or unset KIND_EXPERIMENTAL_PROVIDER to use Docker.',
    );
  });

  it('reads the kind network gateway from Docker and Podman network inspect', async () => {
    expect(parseNetworkGateway(await captured('docker-network-inspect.kind.json'))).toBe('172.18.0.1');
    expect(parseNetworkGateway(await captured('docker-network-inspect.kind-no-gateway.json'))).toBe('172.19.0.1');
    expect(parseNetworkGateway(await captured('podman-network-inspect.kind.json'))).toBe('10.89.0.1');
    expect(parseNetworkGateway('[]')).toBeNull();
  });

  it('decides which leftover clusters to reap', () => {
    const rec = (ownerPid: number | null, keepWarm = false) => ({
      name: 'dojo-gitops',
      configHash: 'x',
      nodeImage: KIND_NODE_IMAGE,
      ownerPid,
      keepWarm,
      createdAt: '',
    });
    expect(reapDecision(null)).toBe('keep'); // another DOJO_HOME's, or the learner's own
    expect(reapDecision(rec(999_999), () => false)).toBe('delete'); // its runner crashed
    expect(reapDecision(rec(4242), (pid) => pid === 4242)).toBe('keep'); // another live runner
    expect(reapDecision(rec(null, true))).toBe('keep'); // kept warm on purpose
    expect(reapDecision(rec(process.pid))).toBe('keep');
  });
});

describe('kind driver: lifecycle against a fake kind', () => {
  it("reaps a crashed runner's cluster, creates ours with its kubeconfig, and deletes it on stop", async () => {
    await using dir = await tempDir('kind');
    const home = path.join(dir.path, 'home');
    const fake = await fakeBins(dir.path, {
      clusters: ['dojo-old-lab', 'kind'],
      ready: true,
      createLines: [' ✓ Ensuring node image (kindest/node:v1.36.1) 🖼', ' ✓ Preparing nodes 📦'],
    });
    await mkdir(path.join(home, 'kind'), { recursive: true });
    // The leftover's record names a process that no longer exists.
    await writeFile(
      path.join(home, 'kind', 'dojo-old-lab.json'),
      JSON.stringify({
        name: 'dojo-old-lab',
        configHash: 'abc',
        nodeImage: KIND_NODE_IMAGE,
        ownerPid: 2 ** 22 + 17,
        keepWarm: false,
        createdAt: '2026-11-01T00:00:00Z',
      }),
    );
    const progress: string[] = [];
    const cluster = await new KindCluster({
      name: 'dojo-contract-a',
      dojoHome: home,
      env: fake.env,
      lingerMs: 0,
    }).start((p) => progress.push(p.message));
    expect(cluster.reused).toBe(false);
    expect(cluster.env).toEqual({ KUBECONFIG: path.join(home, 'kind', 'dojo-contract-a.kubeconfig') });
    expect(await readFile(cluster.kubeconfig, 'utf8')).toContain('kind-dojo-contract-a');
    expect((await fake.state()).clusters).toEqual(['kind', 'dojo-contract-a']); // "kind" is not ours: untouched
    expect(progress).toContain('Removed clusters left by a previous run: dojo-old-lab');
    expect(progress.some((m) => m.startsWith('Ensuring node image'))).toBe(true);
    const calls = await fake.calls();
    const create = calls.find((c) => c[1] === 'create')!;
    expect(create).toEqual([
      'kind',
      ...kindCreateArgs(
        'dojo-contract-a',
        path.join(home, 'kind', 'dojo-contract-a.kind.yaml'),
        cluster.kubeconfig,
        180,
      ),
    ]);
    const record = JSON.parse(await readFile(path.join(home, 'kind', 'dojo-contract-a.json'), 'utf8')) as {
      ownerPid: number;
    };
    expect(record.ownerPid).toBe(process.pid);

    await cluster.stop();
    expect((await fake.state()).clusters).toEqual(['kind']);
  });

  it('reuses a warm cluster with the same config when its API server answers, and recreates it when not', async () => {
    await using dir = await tempDir('kind');
    const home = path.join(dir.path, 'home');
    const fake = await fakeBins(dir.path, { clusters: [], ready: true });
    const first = await new KindCluster({
      name: 'dojo-contract-b',
      dojoHome: home,
      env: fake.env,
      keepWarm: true,
    }).start();
    await first.stop({ immediately: true }); // keepWarm: parked, not deleted
    expect((await fake.state()).clusters).toEqual(['dojo-contract-b']);

    const again = await new KindCluster({
      name: 'dojo-contract-b',
      dojoHome: home,
      env: fake.env,
      lingerMs: 0,
    }).start();
    expect(again.reused).toBe(true);
    expect((await fake.calls()).filter((c) => c[1] === 'create')).toHaveLength(1);
    await again.stop();
    expect((await fake.state()).clusters).toEqual([]);

    // A cluster that exists but does not answer is deleted and created again.
    const dead = await new KindCluster({
      name: 'dojo-contract-b',
      dojoHome: home,
      env: fake.env,
      keepWarm: true,
    }).start();
    await dead.stop({ immediately: true });
    await fake.setState({ ...(await fake.state()), ready: false });
    const fresh = await new KindCluster({
      name: 'dojo-contract-b',
      dojoHome: home,
      env: fake.env,
      lingerMs: 0,
    }).start();
    expect(fresh.reused).toBe(false);
    expect((await fake.calls()).filter((c) => c[1] === 'delete').length).toBeGreaterThanOrEqual(2);
    await fresh.stop();
  });

  it('shares one cluster between two labs of one runner and deletes it after the last stop', async () => {
    await using dir = await tempDir('kind');
    const fake = await fakeBins(dir.path, { clusters: [], ready: true });
    const options = { name: 'dojo-contract-c', dojoHome: path.join(dir.path, 'home'), env: fake.env, lingerMs: 0 };
    const a = await new KindCluster(options).start();
    const b = await new KindCluster(options).start();
    expect(b).toBe(a);
    await a.stop();
    expect((await fake.state()).clusters).toEqual(['dojo-contract-c']);
    await b.stop();
    expect((await fake.state()).clusters).toEqual([]);
  });

  it("fails with kind's explained error when no engine answers, and keeps records of live clusters", async () => {
    await using dir = await tempDir('kind');
    const fake = await fakeBins(dir.path, {
      clusters: [],
      failWith: { stderr: await captured('kind-get-clusters.no-engine.stderr'), exitCode: 1 },
    });
    const start = new KindCluster({
      name: 'dojo-contract-d',
      dojoHome: path.join(dir.path, 'home'),
      env: fake.env,
    }).start();
    await expect(start).rejects.toBeInstanceOf(KindError);
    await expect(start).rejects.toThrow(/no Docker engine answers .*Is the docker daemon running\?/);
    await expect(reapKindClusters(path.join(dir.path, 'home'), { env: fake.env })).rejects.toThrow(
      /no Docker engine answers/,
    );
  });
});
