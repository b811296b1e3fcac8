/**
 * argocd.applicationSet judged on objects captured from Argo CD 3.6.1 (process provider): the
 * multi-env lab's ApplicationSet with its three generated Applications, and one whose template
 * names a key its generator does not provide (test/fixtures/captured/multi-env/README.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argocdApplicationSet,
  generatorsOf,
  judgeApplicationSet,
  ownedApplications,
  type AppSetOptions,
} from '../../src/checks/argocd-application-set.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import type { KubeObject } from '../../src/sandbox/kubectl.ts';

const captured = (file: string) =>
  JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'captured', 'multi-env', file), 'utf8')) as unknown;
const appSet = captured('applicationset.payments-api.json') as KubeObject;
const broken = captured('applicationset.missing-template-key.json') as KubeObject;
const apps = (captured('applications.after-promote-dev.json') as { items: KubeObject[] }).items;

const options = (o: Partial<AppSetOptions> = {}): AppSetOptions =>
  argocdApplicationSet.schema.parse({
    kind: 'argocd.applicationSet',
    name: 'payments-api',
    applications: [
      {
        name: 'payments-api-dev',
        destination: 'dev',
        destinationNamespace: 'payments-dev',
        project: 'dev',
        path: 'apps/payments-api/overlays/dev',
        targetRevision: 'main',
        automated: true,
        prune: true,
        selfHeal: true,
      },
      { name: 'payments-api-staging', destination: 'staging', automated: true, selfHeal: true },
      { name: 'payments-api-prod', destination: 'prod', project: 'prod', automated: false },
    ],
    ...o,
  });

const failing = (a: { ok: boolean; message: string }[]) => a.filter((x) => !x.ok).map((x) => x.message);

describe('argocd.applicationSet on captured objects', () => {
  it('passes the lab ApplicationSet: three Applications, each with its cluster, project, path and policy', () => {
    const result = judgeApplicationSet(options({ generator: 'clusters' }), appSet, apps);
    expect(failing(result)).toEqual([]);
    expect(result.map((a) => a.message)).toContain(
      'ApplicationSet payments-api (namespace argocd) generated payments-api-dev, payments-api-prod, payments-api-staging',
    );
    expect(result.map((a) => a.message)).toContain('payments-api-prod: automated sync is off');
  });

  it('finds the cluster generator, also when nested in a matrix', () => {
    expect(generatorsOf([{ clusters: { selector: {} } }])).toEqual(['clusters']);
    expect(generatorsOf([{ matrix: { generators: [{ git: {} }, { list: { elements: [] } }] } }])).toEqual([
      'matrix',
      'git',
      'list',
    ]);
    expect(failing(judgeApplicationSet(options({ generator: 'list' }), appSet, apps))).toEqual([
      'ApplicationSet payments-api (namespace argocd) uses clusters, expected list',
    ]);
  });

  it('names a missing Application and, with exactly, one it did not expect', () => {
    const two = options({ applications: [{ name: 'payments-api-dev' }, { name: 'payments-api-qa' }] });
    expect(failing(judgeApplicationSet(two, appSet, apps))).toEqual([
      'ApplicationSet payments-api (namespace argocd) generated payments-api-dev, payments-api-prod, payments-api-staging; missing payments-api-qa; not expected payments-api-prod, payments-api-staging',
    ]);
    expect(failing(judgeApplicationSet({ ...two, exactly: false }, appSet, apps))).toEqual([
      'ApplicationSet payments-api (namespace argocd) generated payments-api-dev, payments-api-prod, payments-api-staging; missing payments-api-qa',
    ]);
  });

  it('rejects prod generated with automated sync, and says to fix the template, not the Application', () => {
    const automatedProd = options({ applications: [{ name: 'payments-api-prod', automated: true }] });
    const result = judgeApplicationSet({ ...automatedProd, exactly: false }, appSet, apps);
    expect(failing(result)).toEqual(['payments-api-prod: automated sync is off, expected on']);
    expect(result.find((a) => !a.ok)?.hint).toMatch(/template \(or templatePatch\), not in the Application/);
  });

  it('quotes the controller when the template cannot render, and then finds nothing generated', () => {
    const result = judgeApplicationSet(options({ name: 'broken-set' }), broken, apps);
    expect(failing(result)[0]).toMatch(
      /^ApplicationSet broken-set \(namespace argocd\) cannot generate its Applications: failed to execute go template broken-\{\{ \.metadata\.labels\.team \}\}.*map has no entry for key "team"$/,
    );
    expect(failing(result)[1]).toMatch(/generated nothing; missing payments-api-dev/);
  });

  it('counts only Applications owned by this ApplicationSet (by name and uid)', () => {
    expect(ownedApplications(appSet as never, apps)).toHaveLength(3);
    const other = { metadata: { name: 'payments-api', uid: 'another-uid' } };
    expect(ownedApplications(other, apps)).toHaveLength(0);
  });

  it('says how to apply one that does not exist', () => {
    const [only] = judgeApplicationSet(options(), null, []);
    expect(only).toMatchObject({ ok: false, message: 'ApplicationSet payments-api (namespace argocd) not found' });
    expect(only?.hint).toMatch(/kubectl apply -f/);
  });

  it('keeps its example valid', () => {
    expect(argocdApplicationSet.schema.safeParse(argocdApplicationSet.example).success).toBe(true);
  });
});
