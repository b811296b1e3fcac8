/**
 * The multi-env sandbox's pure parts and what the page and doctor do with a multi-environment lab:
 * kubeconfigs renamed to one context per cluster, the Terraform CLI configuration that takes
 * hashicorp/local from a mirror (checked by a real `init` in the integration tests), the page's
 * grouping of an ApplicationSet's Applications in promotion order, and doctor's memory warning.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { labKubeconfig, localProviderMirror, renameKubeconfig, terraformCliConfig } from '../../sandboxes/multi-env.ts';
import { kubeconfigYaml } from '../../src/sandbox/process-cluster/kubeconfig-file.ts';
import { environmentRank, groupApplications, type AppView } from '../../src/shared/gitops-view.ts';
import { labReadiness, memoryWarning } from '../../src/doctor/doctor.ts';
import type { LabManifest } from '../../src/labs/lab-manifest.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('multi-env sandbox helpers', () => {
  it('renames a process cluster kubeconfig to one context named after the cluster, keeping its credentials', async () => {
    await using dir = await tempDir('kubeconfig');
    for (const f of ['ca.crt', 'a.crt', 'a.key']) writeFileSync(path.join(dir.path, f), `pem of ${f}`);
    const original = await kubeconfigYaml({
      name: 'dojo-mgmt',
      server: 'https://127.0.0.1:6443',
      caFile: path.join(dir.path, 'ca.crt'),
      certFile: path.join(dir.path, 'a.crt'),
      keyFile: path.join(dir.path, 'a.key'),
    });
    const renamed = parseYaml(renameKubeconfig(original, 'mgmt')) as Record<string, unknown>;
    expect(renamed['current-context']).toBe('mgmt');
    expect(renamed['contexts']).toEqual([{ name: 'mgmt', context: { cluster: 'mgmt', user: 'mgmt' } }]);
    expect(renamed['clusters']).toEqual([
      {
        name: 'mgmt',
        cluster: {
          server: 'https://127.0.0.1:6443',
          'certificate-authority-data': Buffer.from('pem of ca.crt').toString('base64'),
        },
      },
    ]);
    expect(() => renameKubeconfig('apiVersion: v1\nkind: Config\n', 'x')).toThrow(
      /expected a kubeconfig with a cluster and a user/,
    );
  });

  it('lists mgmt first in KUBECONFIG, so it is the current context, then the environments', () => {
    expect(labKubeconfig('/h/kube').split(path.delimiter)).toEqual([
      '/h/kube/mgmt.kubeconfig',
      '/h/kube/dev.kubeconfig',
      '/h/kube/staging.kubeconfig',
      '/h/kube/prod.kubeconfig',
    ]);
  });

  it('takes hashicorp/local from a mirror for both registries and everything else from its registry', async () => {
    const text = terraformCliConfig('/m');
    expect(text).toContain('path    = "/m"');
    expect(text).toContain(
      'include = ["registry.terraform.io/hashicorp/local","registry.opentofu.org/hashicorp/local"]',
    );
    expect(text).toContain(
      'exclude = ["registry.terraform.io/hashicorp/local","registry.opentofu.org/hashicorp/local"]',
    );
    await using dir = await tempDir('mirror');
    expect(localProviderMirror({ DOJO_PROVIDER_MIRROR: dir.path })).not.toBe(dir.path);
    mkdirSync(path.join(dir.path, 'registry.opentofu.org', 'hashicorp', 'local', '2.9.0'), { recursive: true });
    expect(localProviderMirror({ DOJO_PROVIDER_MIRROR: dir.path })).toBe(dir.path);
  });
});

const app = (name: string, destination: string, generatedBy: string | null): AppView => ({
  name,
  namespace: 'argocd',
  project: 'default',
  destination,
  destinationNamespace: 'payments',
  repoURL: 'http://127.0.0.1:1/r.git',
  path: '.',
  targetRevision: 'main',
  automated: true,
  selfHeal: true,
  prune: true,
  sync: 'Synced',
  revision: '',
  deployedRevision: '',
  health: 'Healthy',
  healthMessage: '',
  images: [],
  resources: [],
  operation: null,
  history: [],
  conditions: [],
  generatedBy,
});

describe('the live panel layout', () => {
  it("puts an ApplicationSet's Applications side by side in promotion order, the others after", () => {
    const groups = groupApplications([
      app('payments-api-prod', 'prod', 'payments-api'),
      app('team-site', 'in-cluster', null),
      app('payments-api-dev', 'dev', 'payments-api'),
      app('payments-api-staging', 'staging', 'payments-api'),
    ]);
    expect(groups.map((g) => [g.applicationSet, g.apps.map((a) => a.name)])).toEqual([
      ['payments-api', ['payments-api-dev', 'payments-api-staging', 'payments-api-prod']],
      [null, ['team-site']],
    ]);
  });

  it('ranks by the destination, else by the last part of the name, unknown names last', () => {
    expect(environmentRank({ destination: 'https://10.0.0.1', name: 'shop-qa' })).toBeLessThan(
      environmentRank({ destination: 'production', name: 'x' }),
    );
    expect(environmentRank({ destination: 'eu-west', name: 'shop-blue' })).toBeGreaterThan(
      environmentRank({ destination: 'prod', name: 'x' }),
    );
  });
});

describe("doctor and a lab's RAM budget", () => {
  const lab = (budget: LabManifest['budget']) => ({
    id: 'multi-env-gitops',
    manifest: { requires: [], budget } as unknown as LabManifest,
  });

  it('warns, with figures and what to do, when free memory is below the budget', () => {
    expect(memoryWarning({ ramMiB: 3072, diskMiB: 1300 }, 2048)).toBe(
      "needs about 3.0 GiB of RAM and this machine has 2.0 GiB free now: close other programs (or other labs' sandboxes: Stop on their page) before starting it, or its clusters may be killed for lack of memory.",
    );
    expect(memoryWarning({ ramMiB: 3072, diskMiB: 1300 }, 4096)).toBeNull();
    expect(memoryWarning(undefined, 10)).toBeNull();
    expect(labReadiness(lab({ ramMiB: 3072, diskMiB: 1300 }), new Map(), 1024).warnings).toHaveLength(1);
    expect(labReadiness(lab({ ramMiB: 3072, diskMiB: 1300 }), new Map(), 8192)).toEqual({
      id: 'multi-env-gitops',
      runnable: true,
      missing: [],
    });
  });
});

describe('step scripts get what a lab terminal has', () => {
  it('DOJO_HOME of the workspace and the dojo command first on PATH; other folders are left alone', async () => {
    const { scriptEnvironment } = await import('../../src/labs/step-scripts.ts');
    await using home = await tempDir('script-env');
    const workspace = path.join(home.path, 'workspaces', 'multi-env-gitops');
    const env = scriptEnvironment({ PATH: '/usr/bin', DOJO_HOME: '/elsewhere' }, workspace);
    expect(env['DOJO_HOME']).toBe(home.path);
    expect(env['PATH']).toBe(`${path.join(home.path, 'node_modules', '.bin')}${path.delimiter}/usr/bin`);
    expect(env['DOJO_WORKSPACE']).toBe(workspace);
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(home.path, 'node_modules', '.bin', 'dojo'))).toBe(true);
    expect(scriptEnvironment({ PATH: '/usr/bin' }, '/tmp/some-lab')).toEqual({
      PATH: '/usr/bin',
      DOJO_WORKSPACE: '/tmp/some-lab',
    });
  });
});

describe('k8s.resource in another cluster of the lab (context)', () => {
  it('turns kubectl\'s "context was not found" into a failed assertion that says which cluster is missing', async () => {
    const { kubectlFailure, MissingContextError, missingContextAssertion } =
      await import('../../src/checks/k8s-resource.ts');
    const { KubectlError } = await import('../../src/sandbox/kubectl.ts');
    const stderr = 'Error in configuration: context was not found for specified context: staging';
    const err = kubectlFailure(new KubectlError('other', `kubectl failed: ${stderr}`, stderr, []), 'staging');
    expect(err).toBeInstanceOf(MissingContextError);
    expect(
      missingContextAssertion('deployment/payments-api in namespace payments-staging (context staging)', 'staging'),
    ).toMatchObject({
      ok: false,
      found: 'no kubeconfig context "staging" (kubectl config get-contexts lists what exists)',
      message:
        'deployment/payments-api in namespace payments-staging (context staging): the cluster "staging" is not in the sandbox\'s KUBECONFIG yet',
    });
    // Without a context asked for, the same error stays an environment problem.
    expect(kubectlFailure(new KubectlError('other', stderr, stderr, []))).not.toBeInstanceOf(MissingContextError);
  });
});
