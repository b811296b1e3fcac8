/**
 * k8s.resource on realistic objects (kubectl get -o json of the s3-static-site lab's Deployment
 * and ConfigMap), and its run() through a fake kubectl: NotFound is an answer, an unreachable
 * cluster is an environment error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  judgeK8sResource,
  k8sResource,
  parseFieldPath,
  readPath,
  type K8sResourceOptions,
} from '../../src/checks/k8s-resource.ts';
import { CheckEnvironmentError } from '../../src/checks/check-kind.ts';
import { Observations } from '../../src/checks/observations.ts';
import { parseKubeObject } from '../../src/sandbox/kubectl.ts';
import { fakeBins } from '../contract/fake-cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');
const opts = (o: Partial<K8sResourceOptions>): K8sResourceOptions =>
  k8sResource.schema.parse({
    kind: 'k8s.resource',
    resource: 'deployment',
    name: 'site-edge',
    namespace: 'team-site',
    ...o,
  });

describe('field paths', () => {
  it('reads dotted paths, list indices and keys with dots', async () => {
    const dep = parseKubeObject(await captured('k8s-deployment.site-edge.json'));
    expect(readPath(dep, 'spec.template.spec.containers[0].image')).toBe('nginx:1.27-alpine');
    expect(readPath(dep, 'metadata.labels["app.kubernetes.io/part-of"]')).toBe('team-site');
    expect(readPath(dep, 'status.nope.deeper')).toBeUndefined();
    expect(parseFieldPath(`data['banner.txt']`)).toEqual(['data', 'banner.txt']);
    expect(() => parseFieldPath('spec..[x')).toThrow(/cannot read the field path/);
  });
});

describe('judgeK8sResource', () => {
  it('passes a ready Deployment with the expected image and replicas', async () => {
    const dep = parseKubeObject(await captured('k8s-deployment.site-edge.json'));
    const r = judgeK8sResource(
      opts({
        fields: [
          { path: 'status.readyReplicas', atLeast: 1 },
          { path: 'spec.template.spec.containers[0].image', matches: '^nginx:1\\.27' },
          { path: 'spec.replicas', equals: 1 },
          { path: 'spec.template.spec.volumes', contains: { configMap: { name: 'site-settings' } } },
          { path: 'metadata.labels["app.kubernetes.io/instance"]', exists: true },
        ],
      }),
      dep,
    );
    expect(r.map((a) => a.ok)).toEqual([true, true, true, true, true, true]);
  });

  it('says expected and found for each failing field, with a hint', async () => {
    const cm = parseKubeObject(await captured('k8s-configmap.site-settings.json'));
    const r = judgeK8sResource(
      opts({
        resource: 'configmap',
        name: 'site-settings',
        fields: [
          { path: 'data["banner.txt"]', contains: 'Autumn' },
          { path: 'data.theme', exists: true },
        ],
      }),
      cm,
    );
    expect(r[1]).toMatchObject({
      ok: false,
      expected: 'data["banner.txt"] contains "Autumn"',
      found: 'data["banner.txt"] = "Spring sale: 20% off every bag until Sunday.\\n"',
      message: expect.stringMatching(
        /^configmap\/site-settings in namespace team-site: expected data\["banner.txt"\] contains "Autumn", found/,
      ),
    });
    expect(r[2]).toMatchObject({ ok: false, found: 'data.theme = nothing (the field is absent)' });
    expect(r[2]?.hint).toBeTruthy();
  });

  it('compares numbers and numeric strings as the same value (YAML vs ConfigMap data)', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { replicas: '3' } };
    expect(
      judgeK8sResource(
        opts({ resource: 'configmap', name: 'x', fields: [{ path: 'data.replicas', equals: 3 }] }),
        cm,
      )[1]?.ok,
    ).toBe(true);
  });

  it('reports a missing object with where to look, and checks absence when asked', async () => {
    const missing = judgeK8sResource(opts({}), null);
    expect(missing).toEqual([
      expect.objectContaining({
        ok: false,
        message: 'deployment/site-edge in namespace team-site not found in the cluster',
      }),
    ]);
    expect(missing[0]?.hint).toMatch(/kubectl get deployment -A/);
    expect(judgeK8sResource(opts({ exists: false }), null)[0]?.ok).toBe(true);
    const dep = parseKubeObject(await captured('k8s-deployment.site-edge.json'));
    expect(judgeK8sResource(opts({ exists: false }), dep)[0]).toMatchObject({
      ok: false,
      message: 'deployment/site-edge in namespace team-site still exists',
    });
  });

  it('rejects a field with two operators or none when the lab builds', () => {
    expect(
      k8sResource.schema.safeParse({
        kind: 'k8s.resource',
        resource: 'pod',
        name: 'x',
        fields: [{ path: 'a', equals: 1, exists: true }],
      }).success,
    ).toBe(false);
    expect(
      k8sResource.schema.safeParse({ kind: 'k8s.resource', resource: 'pod', name: 'x', fields: [{ path: 'a' }] })
        .success,
    ).toBe(false);
    expect(k8sResource.schema.safeParse(k8sResource.example).success).toBe(true);
  });
});

describe('k8s.resource run()', () => {
  it('asks kubectl once per object per run with the sandbox KUBECONFIG, and treats NotFound as an answer', async () => {
    await using dir = await tempDir('k8s');
    const dep = JSON.parse(await captured('k8s-deployment.site-edge.json')) as unknown;
    const fake = await fakeBins(dir.path, { clusters: [], objects: { 'deployment/team-site/site-edge': dep } });
    const ctx = {
      workspace: dir.path,
      env: { ...fake.env, KUBECONFIG: path.join(dir.path, 'kc') },
      observations: new Observations(),
      signal: AbortSignal.timeout(10_000),
    };
    const o = opts({ fields: [{ path: 'status.readyReplicas', atLeast: 1 }] });
    expect((await k8sResource.run(o, ctx)).every((a) => a.ok)).toBe(true);
    expect((await k8sResource.run(o, ctx)).every((a) => a.ok)).toBe(true);
    const gets = (await fake.calls()).filter((c) => c[1] === 'get');
    expect(gets).toEqual([
      [
        'kubectl',
        'get',
        'deployment',
        'site-edge',
        '-o',
        'json',
        '-n',
        'team-site',
        `KUBECONFIG=${path.join(dir.path, 'kc')}`,
      ],
    ]);
    expect((await k8sResource.run(opts({ name: 'other' }), ctx))[0]).toMatchObject({ ok: false });
  });

  it('stops with an environment error when there is no cluster in the environment', async () => {
    const ctx = { workspace: '/tmp', env: {}, observations: new Observations(), signal: AbortSignal.timeout(1000) };
    await expect(k8sResource.run(opts({}), ctx)).rejects.toBeInstanceOf(CheckEnvironmentError);
    await expect(k8sResource.run(opts({}), { ...ctx, observations: new Observations() })).rejects.toThrow(
      /expected KUBECONFIG in the sandbox environment/,
    );
  });
});
