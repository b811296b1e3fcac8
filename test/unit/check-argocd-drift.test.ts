/**
 * argocd.drift judged on what real clusters recorded (test/fixtures/captured/multi-env/README.md):
 * a `kubectl scale` and a `kubectl set image` in the staging cluster of the multi-env sandbox,
 * each undone by Argo CD 3.6.1's self-heal. Two ways of knowing what drifted: the sandbox's record
 * of Deployment changes (to the millisecond, with the field managers), and, without it, the
 * cluster's own Events and ReplicaSets (to the second). Variations are made from the captures by
 * removing or changing what a different history would lack.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argocdDrift,
  automatedSyncs,
  driftsFromRecord,
  judgeDrift,
  kubeEventSchema,
  parseScaling,
  writers,
  type DriftEvidence,
  type DriftOptions,
} from '../../src/checks/argocd-drift.ts';
import { changeOf, type RecordedChange } from '../../src/sandbox/deployment-change-recorder.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import type { KubeObject } from '../../src/sandbox/kubectl.ts';

const dir = path.join(repoRoot, 'test', 'fixtures', 'captured', 'multi-env');
const json = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
const items = (file: string) => (json(file) as { items: KubeObject[] }).items;
const lines = (file: string) =>
  readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RecordedChange);

const options = (o: Partial<DriftOptions> = {}): DriftOptions =>
  argocdDrift.schema.parse({
    kind: 'argocd.drift',
    app: 'payments-api-staging',
    deployment: 'payments-api',
    deploymentNamespace: 'payments-staging',
    context: 'staging',
    ...o,
  });

/** The first capture: Events and ReplicaSets only (no recorder), Events not yet aggregated. */
const fromEvents = (): DriftEvidence => ({
  app: json('drift-events.application.json') as KubeObject,
  appEvents: items('drift-events.application-events.json'),
  deployment: json('drift-events.deployment.json') as KubeObject,
  replicaSets: items('drift-events.replicasets.json'),
  events: items('drift-events.namespace-events.json'),
  changes: null,
});

/** The second capture: the sandbox's recorder running. */
const fromRecord = (): DriftEvidence => ({
  app: json('drift-record.application.json') as KubeObject,
  appEvents: items('drift-record.application-events.json'),
  deployment: json('drift-record.deployment.json') as KubeObject,
  replicaSets: items('drift-record.replicasets.json'),
  events: items('drift-record.namespace-events.json'),
  changes: lines('drift-record.changes.jsonl'),
});

const failing = (a: { ok: boolean; message: string }[]) => a.filter((x) => !x.ok).map((x) => x.message);

describe('argocd.drift from the sandbox record of Deployment changes', () => {
  it('shows who drifted what, that automation put it back, and how long that took, to the millisecond', () => {
    const result = judgeDrift(options(), fromRecord());
    expect(failing(result)).toEqual([]);
    const messages = result.map((a) => a.message).join('\n');
    expect(messages).toMatch(/spec\.replicas 2 → 5 by kubectl \(scale\) at \d\d:\d\d:\d\d\.\d{3}/);
    expect(messages).toMatch(
      /image ghcr\.io\/stefanprodan\/podinfo:6\.7\.1 → ghcr\.io\/stefanprodan\/podinfo:6\.8\.0 by kubectl-set/,
    );
    expect(messages).toMatch(/automation reverted the replicas drift in \d+\.\d s \(measured to the millisecond\)/);
    const revert = result.find((a) => a.expected.startsWith('reverted by') && a.ok);
    expect(revert?.found).toMatch(/"Initiated automated sync to '[0-9a-f]{40}'"/);
    expect(revert?.found).toMatch(/back \d+\.\d s after the drift \(argocd-controller\)/);
  });

  it('rejects a drift undone by hand: the record says kubectl put it back, not Argo CD', () => {
    const ev = fromRecord();
    const changes = ev.changes ?? [];
    const back = changes.findIndex((c, i) => i > 0 && c.replicas === 2 && changes[i - 1]?.replicas === 5);
    const byHand = changes.map((c, i) =>
      i === back ? { ...c, managers: [{ manager: 'kubectl', operation: 'Update', subresource: 'scale' }] } : c,
    );
    // And Argo CD's own events gone (expired), so nothing says automation ran.
    const result = judgeDrift(options({ drift: ['replicas'] }), { ...ev, changes: byHand, appEvents: [] });
    expect(failing(result)).toEqual([
      'Application payments-api-staging: no automated sync followed the replicas drift.',
    ]);
  });

  it('finds no drift when nobody but Argo CD changed the Deployment (the starter, a release by commit)', () => {
    const ev = fromRecord();
    const onlyArgo = (ev.changes ?? []).filter((c) =>
      c.managers.every((m) => m.manager !== 'kubectl' && m.manager !== 'kubectl-set'),
    );
    expect(driftsFromRecord(onlyArgo, ev.deployment as KubeObject)).toEqual([]);
    expect(failing(judgeDrift(options(), { ...ev, changes: onlyArgo }))).toEqual([
      'no replicas drift found on deployment/payments-api in namespace payments-staging (context staging)',
      'no image drift found on deployment/payments-api in namespace payments-staging (context staging)',
    ]);
  });

  it('reads who wrote between two states from managedFields, also within the same second', () => {
    const at = new Date('2026-12-01T13:00:00.000Z');
    const dep = (
      replicas: number,
      managers: { manager: string; operation: string; subresource?: string; time?: string }[],
    ) =>
      changeOf(
        { metadata: { name: 'x', namespace: 'n', generation: replicas, managedFields: managers }, spec: { replicas } },
        at,
      );
    const argo = { manager: 'argocd-controller', operation: 'Update', time: '2026-12-01T13:00:00Z' };
    const scaled = dep(5, [{ manager: 'kubectl', operation: 'Update', subresource: 'scale' }, argo]);
    expect(writers(dep(2, [argo]), scaled)).toEqual(['kubectl (scale)']);
    // Argo CD re-applied in the same second: its time did not change, but kubectl lost its fields.
    expect(writers(scaled, dep(2, [argo]))).toEqual(['argocd-controller']);
    expect(
      changeOf({ metadata: { managedFields: [{ manager: 'kcm', operation: 'Update', subresource: 'status' }] } }, at)
        .managers,
    ).toEqual([]);
  });
});

describe('argocd.drift from the cluster Events and ReplicaSets (no recorder)', () => {
  it('finds both drifts, the automated syncs that undid them, to the second', () => {
    const result = judgeDrift(options(), fromEvents());
    expect(failing(result)).toEqual([]);
    const messages = result.map((a) => a.message);
    expect(messages).toContain(
      'drift observed on deployment/payments-api in namespace payments-staging (context staging): spec.replicas 2 → 5 at 12:39:23',
    );
    expect(messages).toContain(
      'Application payments-api-staging: automation reverted the replicas drift in under 1 s (to the second)',
    );
    expect(messages).toContain(
      'Application payments-api-staging: automation reverted the image drift in 1 s (to the second)',
    );
  });

  it('parses the deployment controller messages of 1.37 and of older releases, aggregated or not', () => {
    const e = (message: string) =>
      kubeEventSchema.parse({ reason: 'ScalingReplicaSet', message, lastTimestamp: '2026-12-01T12:39:23Z' });
    expect(parseScaling(e('Scaled up replica set web-6dd47d694 from 2 to 5'))).toMatchObject({
      replicaSet: 'web-6dd47d694',
      from: 2,
      to: 5,
      up: true,
    });
    expect(parseScaling(e('Scaled down replica set web-1 to 0 from 2'))).toMatchObject({ from: 2, to: 0, up: false });
    expect(parseScaling(e('Scaled up replica set web-1 to 3'))).toMatchObject({ from: null, to: 3 });
    expect(parseScaling(e('(combined from similar events): Scaled down replica set web-1 from 1 to 0'))).toMatchObject({
      to: 0,
    });
  });

  it("pairs Argo CD's automated starts with their completions and ignores syncs a person started", () => {
    const events = items('drift-events.application-events.json').map((e) => kubeEventSchema.parse(e));
    const syncs = automatedSyncs(events);
    expect(syncs.length).toBeGreaterThanOrEqual(3);
    expect(syncs.every((s) => s.succeeded && s.completed !== null && s.completed >= s.started)).toBe(true);
    const manual = kubeEventSchema.parse({
      reason: 'OperationStarted',
      message: 'admin initiated sync to main (abc)',
      lastTimestamp: '2026-12-01T12:40:00Z',
    });
    expect(automatedSyncs([manual])).toEqual([]);
  });

  it('fails when the Application does not self-heal, and says where to drill', () => {
    const ev = fromEvents();
    const app = structuredClone(ev.app) as unknown as { spec: { syncPolicy: { automated: { selfHeal: boolean } } } };
    app.spec.syncPolicy.automated.selfHeal = false;
    const result = judgeDrift(options(), { ...ev, app: app as unknown as KubeObject });
    expect(failing(result)[0]).toBe('Application payments-api-staging does not heal drift (selfHeal is off)');
    expect(result[0]?.hint).toMatch(/dev or staging/);
  });

  it('tells a learner waiting on the self-heal backoff what is happening', () => {
    const ev = fromEvents();
    const app = structuredClone(ev.app) as unknown as {
      status: { sync: { status: string }; operationState: { operation: { sync: { autoHealAttemptsCount: number } } } };
    };
    app.status.sync.status = 'OutOfSync';
    app.status.operationState.operation.sync.autoHealAttemptsCount = 4;
    const result = judgeDrift(options({ drift: ['replicas'] }), {
      ...ev,
      app: app as unknown as KubeObject,
      appEvents: [],
    });
    expect(failing(result)[0]).toMatch(
      /no automated sync followed the replicas drift yet\. Self-heal is waiting: .*2 s, 6 s, 18 s, 54 s.*4 heals of this commit so far\)\. A new commit resets it\.$/,
    );
  });

  it('names the missing Application and keeps its example valid', () => {
    expect(judgeDrift(options(), { ...fromEvents(), app: null })[0]?.message).toBe(
      'Application payments-api-staging not found',
    );
    expect(argocdDrift.schema.safeParse(argocdDrift.example).success).toBe(true);
  });
});
