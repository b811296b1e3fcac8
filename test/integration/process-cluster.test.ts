/**
 * The process provider's cluster for real: etcd, kube-apiserver, controller-manager, scheduler and
 * kwok as local processes. A fresh cluster answers kubectl through its own kubeconfig and PKI,
 * runs a Deployment to Available and a Job to Complete (kwok plays the kubelet), listens only on
 * 127.0.0.1, keeps every object across a stop and restart (same ports, same CA), is adopted as is
 * while it runs (warm), and a second cluster beside it has its own CA. Delete removes it all.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import {
  deleteProcessCluster,
  listProcessClusters,
  ProcessCluster,
  type StartedProcessCluster,
} from '../../src/sandbox/process-cluster.ts';
import { findProcessBinaries } from '../../src/sandbox/process-binaries.ts';
import { Kubectl } from '../../src/sandbox/kubectl.ts';
import { isRunning } from '../../src/sandbox/process-cluster/supervised-process.ts';
import { listeningAddresses } from '../../src/sandbox/listening-sockets.ts';
import { requireProcessProvider } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { repoRoot } from '../../src/shared/paths.ts';

const homeDir = await tempDir('process-cluster');
const home = homeDir.path;
const started: StartedProcessCluster[] = [];
afterAll(async () => {
  for (const c of started) await c.stop().catch(() => undefined);
  await homeDir[Symbol.asyncDispose]();
});

function kubectl(c: StartedProcessCluster): Kubectl {
  const binary = findProcessBinaries().bin.kubectl;
  return new Kubectl(c.kubeconfig, binary ? { binary } : {});
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const deployment = (name: string, replicas: number) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  });

describe('process cluster', () => {
  let dev: StartedProcessCluster;

  it('creates a cluster whose API answers kubectl through its own kubeconfig and CA', async (ctx) => {
    requireProcessProvider(ctx);
    const pids: number[] = [];
    dev = await new ProcessCluster({ name: 'dev', dojoHome: home, onProcess: (c) => pids.push(c.pid) }).start();
    started.push(dev);
    expect(dev.kind).toBe('created');
    expect(dev.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // Every component was handed to onProcess as it started, and is recorded in cluster.json.
    expect(pids).toHaveLength(5);
    const record = JSON.parse(await readFile(path.join(home, 'clusters', 'dev', 'cluster.json'), 'utf8')) as {
      components: { component: string; pid: number }[];
    };
    expect(record.components.map((c) => c.component).sort()).toEqual(
      ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'].sort(),
    );
    const k = kubectl(dev);
    expect((await k.run(['get', '--raw', '/readyz'])).trim()).toBe('ok');
    const version = JSON.parse(await k.run(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toBe('v1.37.2');
    const node = (await k.get('node', 'dev-node')) as {
      status?: { conditions?: { type: string; status: string }[] };
    } | null;
    expect(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    // The CA is this cluster's own, made at creation.
    const ca = new X509Certificate(await readFile(dev.pki.caCert));
    expect(ca.subject).toContain('gitops-dojo dev CA');
    expect(Date.now() - Date.parse(ca.validFrom)).toBeLessThan(10 * 60_000);
  });

  it('runs a Deployment to Available and a Job to Complete (kwok plays the kubelet)', async (ctx) => {
    requireProcessProvider(ctx);
    const k = kubectl(dev);
    await k.run(['apply', '-f', '-'], { input: deployment('web', 3) });
    await waitFor('web to have 3 available replicas', async () => {
      const d = (await k.get('deployment', 'web', 'default')) as { status?: { availableReplicas?: number } } | null;
      return d?.status?.availableReplicas === 3;
    });
    await k.run(['create', 'job', 'migrate', '--image=busybox:1.36', '-n', 'default', '--', 'true']);
    await waitFor('job migrate to complete', async () => {
      const j = (await k.get('job', 'migrate', 'default')) as { status?: { succeeded?: number } } | null;
      return j?.status?.succeeded === 1;
    });
  });

  it('listens on 127.0.0.1 only', async (ctx) => {
    requireProcessProvider(ctx);
    for (const c of dev.components) {
      const addresses = listeningAddresses(c.pid);
      expect(addresses.length, `${c.component} listens somewhere`).toBeGreaterThan(0);
      for (const a of addresses) expect(`${c.component} ${a.address}`).toMatch(/ (127\.0\.0\.1|::ffff:127\.0\.0\.1)$/);
    }
  });

  it('is reused as is while it runs (warm), and keeps every object across a stop and restart', async (ctx) => {
    requireProcessProvider(ctx);
    const k = kubectl(dev);
    await k.run(['create', 'configmap', 'keep-me', '--from-literal=team=web', '-n', 'default']);
    const warm = await new ProcessCluster({ name: 'dev', dojoHome: home }).start();
    expect(warm.kind).toBe('warm');
    expect(warm.pids.sort()).toEqual(dev.pids.sort());

    const server = dev.server;
    const caBefore = await readFile(dev.pki.caCert, 'utf8');
    const oldPids = dev.components;
    await dev.stop();
    expect(oldPids.filter((c) => isRunning(c))).toEqual([]);
    expect(listProcessClusters(home).find((c) => c.name === 'dev')?.state).toBe('stopped');

    dev = await new ProcessCluster({ name: 'dev', dojoHome: home }).start();
    started.push(dev);
    expect(dev.kind).toBe('restarted');
    expect(dev.server).toBe(server);
    expect(await readFile(dev.pki.caCert, 'utf8')).toBe(caBefore);
    const cm = (await kubectl(dev).get('configmap', 'keep-me', 'default')) as { data?: Record<string, string> } | null;
    expect(cm?.data).toEqual({ team: 'web' });
  });

  it('names a dead control-plane process in "dojo cluster list", and create restarts the cluster whole', async (ctx) => {
    requireProcessProvider(ctx);
    const scheduler = dev.components.find((c) => c.component === 'kube-scheduler');
    expect(scheduler).toBeDefined();
    process.kill(scheduler?.pid ?? 0, 'SIGKILL');
    await waitFor('the scheduler to be gone', async () => !isRunning(scheduler ?? { pid: 0, startTime: '' }));
    const summary = listProcessClusters(home).find((c) => c.name === 'dev');
    expect([summary?.state, summary?.down]).toEqual(['partly running', ['kube-scheduler']]);
    const listed = await execa(process.execPath, [path.join(repoRoot, 'bin', 'dojo.mjs'), 'cluster', 'list'], {
      env: { DOJO_HOME: home, DOJO_PROVIDER: 'process' },
    });
    expect(listed.stdout).toMatch(
      /^dev +partly running +https:\/\/127\.0\.0\.1:\d+ +\(not running: kube-scheduler; logs in .*clusters\/dev\/logs; "dojo cluster create dev" restarts it\)$/m,
    );

    dev = await new ProcessCluster({ name: 'dev', dojoHome: home }).start();
    started.push(dev);
    expect(dev.kind).toBe('restarted');
    expect(listProcessClusters(home).find((c) => c.name === 'dev')?.state).toBe('running');
    const cm = (await kubectl(dev).get('configmap', 'keep-me', 'default')) as { data?: Record<string, string> } | null;
    expect(cm?.data).toEqual({ team: 'web' });
  });

  it('runs a second cluster beside it with its own CA, and deletes it completely', async (ctx) => {
    requireProcessProvider(ctx);
    const prod = await new ProcessCluster({ name: 'prod', dojoHome: home, labels: { env: 'prod' } }).start();
    started.push(prod);
    expect(prod.server).not.toBe(dev.server);
    expect(await readFile(prod.pki.caCert, 'utf8')).not.toBe(await readFile(dev.pki.caCert, 'utf8'));
    // dev's admin certificate is not trusted by prod.
    const crossed = await kubectl(prod)
      .run(['--client-certificate', dev.pki.adminCert, '--client-key', dev.pki.adminKey, 'get', 'ns'])
      .then(
        () => 'accepted',
        (err: Error) => err.message,
      );
    expect(crossed).toMatch(/Unauthorized|certificate|unknown authority/i);
    expect(
      listProcessClusters(home)
        .map((c) => `${c.name}:${c.state}`)
        .sort(),
    ).toEqual(['dev:running', 'prod:running']);

    const prodPids = prod.components;
    expect(await deleteProcessCluster(home, 'prod')).toBe(true);
    expect(prodPids.filter((c) => isRunning(c))).toEqual([]);
    expect(existsSync(path.join(home, 'clusters', 'prod'))).toBe(false);
  });
});
