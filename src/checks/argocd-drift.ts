/**
 * `argocd.drift`: a change made to a Deployment outside Git (kubectl scale, kubectl set image) was
 * observed in the cluster and reverted by Argo CD's automation, with the evidence: when the drift
 * happened, what it changed and who made it, the automated sync that undid it and how long that
 * took, and the fields as they are now. This is the "why Argo CD rather than kubectl apply"
 * moment, proved from what was recorded, not from the commands typed:
 *
 * - the sandbox's record of every Deployment spec change (src/sandbox/deployment-change-recorder.ts,
 *   DOJO_CHANGE_LOG_DIR): each change with the time it was seen (to the millisecond) and the
 *   field managers, so "kubectl (scale) set spec.replicas 2 → 5 at 12:50:01.234, argocd-controller
 *   put 2 back at 12:50:01.987" is read directly;
 * - without that record, the cluster's own: the deployment controller's ScalingReplicaSet Events
 *   (which Kubernetes aggregates after ten similar ones in ten minutes, so a busy lab loses them)
 *   and the ReplicaSets (a rolled-back template is reused at a higher revision, which is how a
 *   revert differs from a release);
 * - the management cluster's Events for the Application: Argo CD writes `OperationStarted`
 *   ("Initiated automated sync to '<sha>'": automation, not a person) and `OperationCompleted`
 *   ("Partial sync operation to <sha> succeeded": self-heal syncs only what drifted). Argo CD
 *   names each of its events uniquely, so they are not aggregated; they expire (30 minutes on
 *   process clusters, an hour by default), so an old drill must be done again;
 * - the Application and the Deployment as they are now (Synced; replicas and image back).
 *
 * Everything is gathered once per run; `judgeDrift` is a pure function of it.
 */
import { z } from 'zod';
import { checkBase } from './check-base.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import type { KubeObject } from '../sandbox/kubectl.ts';
import { CheckEnvironmentError, defineCheck, type CheckContext } from './check-kind.ts';
import {
  describeTarget,
  kubectlFailure,
  MissingContextError,
  missingContextAssertion,
  observeObject,
  sandboxKubectl,
} from './k8s-resource.ts';
import { applicationSchema } from './argocd-app.ts';
import { readRecordedChanges, type RecordedChange } from '../sandbox/deployment-change-recorder.ts';
import path from 'node:path';

export const driftKinds = ['replicas', 'image'] as const;
export type DriftKind = (typeof driftKinds)[number];

const schema = strictFields({
  kind: z.literal('argocd.drift'),
  app: z.string().min(1).describe('The Application that manages the Deployment (with self-heal on).'),
  namespace: z.string().default('argocd').describe('Where the Application lives (in the current context).'),
  deployment: z.string().min(1).describe('The Deployment that drifted.'),
  deploymentNamespace: z.string().min(1).describe('Its namespace in the destination cluster.'),
  context: z
    .string()
    .min(1)
    .optional()
    .describe("The destination cluster's kubeconfig context (e.g. staging); omit when it is the current one."),
  drift: z
    .array(z.enum(driftKinds))
    .min(1)
    .default(['replicas', 'image'])
    .describe('Which changes must have been made and reverted: replicas (kubectl scale), image (kubectl set image).'),
  withinSeconds: z
    .number()
    .int()
    .positive()
    .default(60)
    .describe('The longest the revert may take, from the drift to the end of the automated sync.'),
  ...checkBase,
});

export type DriftOptions = z.output<typeof schema>;

/** A Kubernetes Event, the fields the judge reads (core/v1; events.k8s.io fields tolerated). */
export const kubeEventSchema = z
  .object({
    reason: z.string().default(''),
    message: z.string().default(''),
    count: z.number().optional(),
    lastTimestamp: z.string().nullable().optional(),
    firstTimestamp: z.string().nullable().optional(),
    eventTime: z.string().nullable().optional(),
    involvedObject: z.object({ kind: z.string().optional(), name: z.string().optional() }).loose().default({}),
    metadata: z.object({ creationTimestamp: z.string().optional() }).loose().default({}),
  })
  .loose();
export type KubeEvent = z.infer<typeof kubeEventSchema>;

export interface DriftEvidence {
  /** The Application (management cluster), or null when it does not exist. */
  app: KubeObject | null;
  /** Events whose involvedObject is the Application. */
  appEvents: KubeObject[];
  /** The Deployment in the destination cluster, or null. */
  deployment: KubeObject | null;
  /** ReplicaSets of the Deployment's namespace. */
  replicaSets: KubeObject[];
  /** Events of the Deployment's namespace. */
  events: KubeObject[];
  /** The recorder's changes of this Deployment, oldest first; null when nothing records them. */
  changes: RecordedChange[] | null;
}

/** When an event last happened (ms since epoch), or NaN. */
export function eventTime(e: KubeEvent): number {
  return Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
}

export interface Scaling {
  at: number;
  replicaSet: string;
  from: number | null;
  to: number;
  up: boolean;
}

/** Parses the deployment controller's ScalingReplicaSet message (1.37: "… from 2 to 5"; older: "… to 5 from 2", "… to 5"). */
export function parseScaling(e: KubeEvent): Scaling | null {
  if (e.reason !== 'ScalingReplicaSet') return null;
  const text = e.message.replace(/^\(combined from similar events\):\s*/, '');
  const m =
    /^Scaled (up|down) replica set (\S+) from (\d+) to (\d+)/.exec(text) ??
    /^Scaled (up|down) replica set (\S+) to (\d+)(?: from (\d+))?/.exec(text);
  if (!m) return null;
  const newer = text.includes(' from ') && text.indexOf(' from ') < text.indexOf(' to ');
  const from = newer ? Number(m[3]) : m[4] !== undefined ? Number(m[4]) : null;
  const to = newer ? Number(m[4]) : Number(m[3]);
  return { at: eventTime(e), replicaSet: m[2] ?? '', from, to, up: m[1] === 'up' };
}

interface ReplicaSetFacts {
  name: string;
  image: string;
  revision: number;
  /** Earlier revisions this template had (deployment.kubernetes.io/revision-history): it was live then too. */
  history: number[];
  created: number;
  replicas: number;
}

function replicaSetFacts(rs: KubeObject, deployment: string): ReplicaSetFacts | null {
  const o = rs as unknown as {
    metadata: {
      name: string;
      creationTimestamp?: string;
      annotations?: Record<string, string>;
      ownerReferences?: { kind?: string; name?: string }[];
    };
    spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  };
  if (!(o.metadata.ownerReferences ?? []).some((r) => r.kind === 'Deployment' && r.name === deployment)) return null;
  return {
    name: o.metadata.name,
    image: (o.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '').join(', '),
    revision: Number(o.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
    history: (o.metadata.annotations?.['deployment.kubernetes.io/revision-history'] ?? '')
      .split(',')
      .map(Number)
      .filter((n) => Number.isFinite(n) && n > 0),
    created: Date.parse(o.metadata.creationTimestamp ?? ''),
    replicas: o.spec?.replicas ?? 0,
  };
}

interface Operation {
  started: number;
  completed: number | null;
  startMessage: string;
  message: string;
  succeeded: boolean;
}

/** Argo CD's automated syncs of the Application, from its Events: start, end, outcome. */
export function automatedSyncs(appEvents: KubeEvent[]): Operation[] {
  const sorted = [...appEvents].sort((a, b) => eventTime(a) - eventTime(b));
  const ops: Operation[] = [];
  for (const e of sorted) {
    if (e.reason === 'OperationStarted' && /^Initiated automated sync/.test(e.message)) {
      ops.push({ started: eventTime(e), completed: null, startMessage: e.message, message: '', succeeded: false });
    } else if (e.reason === 'OperationCompleted') {
      const open = ops.find((op) => op.completed === null && op.started <= eventTime(e));
      if (open) {
        open.completed = eventTime(e);
        open.succeeded = /succeeded/.test(e.message);
        open.message = e.message;
      }
    }
  }
  return ops;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
/** Kubernetes timestamps are whole seconds: 0 means within the same second. */
const seconds = (ms: number) => (ms < 1000 ? 'under 1 s' : `${Math.round(ms / 1000)} s`);

/** One drift, however it was found, with its revert when there was one. */
export interface Drift {
  kind: DriftKind;
  /** When it was seen (ms since epoch; to the second when read from Events). */
  at: number;
  /** What changed, e.g. "spec.replicas 2 → 5" or "image podinfo:6.7.1 → podinfo:6.8.0". */
  change: string;
  /** Who changed it (field managers), when known: "kubectl (scale)". */
  by: string | null;
  /** When it was put back and by whom, when recorded. */
  revert: { at: number; by: string | null } | null;
  /** The field's value now. */
  now: string;
  /** Whether the value now is the one from before the drift. */
  restored: boolean;
  /** Where it was read, in words. */
  evidence: string;
  /** Timestamps to the millisecond (the recorder) or to the second (Events). */
  precise: boolean;
}

const ARGOCD_MANAGER = 'argocd-controller';
const clockMs = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** Field managers that wrote between two recorded states: new entries, or entries with a new time. */
export function writers(prev: RecordedChange, cur: RecordedChange): string[] {
  const key = (m: RecordedChange['managers'][number]) => `${m.manager}${m.subresource ? ` (${m.subresource})` : ''}`;
  const before = new Map(prev.managers.map((m) => [key(m), m.time ?? '']));
  const wrote = cur.managers.filter((m) => !before.has(key(m)) || before.get(key(m)) !== (m.time ?? '')).map(key);
  if (wrote.length) return wrote;
  // Same second as its previous write: a manager that lost its fields says who took them.
  const now = new Set(cur.managers.map(key));
  const lost = [...before.keys()].filter((k) => !now.has(k));
  return lost.length && now.has(ARGOCD_MANAGER) ? [ARGOCD_MANAGER] : [];
}

const imagesText = (images: Record<string, string>) => Object.values(images).join(', ');

/** Drifts read from the recorder's lines for one Deployment: a change not made by Argo CD, and Argo CD putting it back. Pure. */
export function driftsFromRecord(changes: RecordedChange[], deployment: KubeObject): Drift[] {
  const d = deployment as unknown as {
    spec?: { replicas?: number; template?: { spec?: { containers?: { name?: string; image?: string }[] } } };
  };
  const liveReplicas = d.spec?.replicas ?? null;
  const liveImages = Object.fromEntries(
    (d.spec?.template?.spec?.containers ?? []).map((c) => [c.name ?? '', c.image ?? '']),
  );
  const recs = [...changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  type Step = { kind: DriftKind; at: number; from: string; to: string; by: string[] };
  const steps: Step[] = [];
  for (let i = 1; i < recs.length; i++) {
    const prev = recs[i - 1] as RecordedChange;
    const cur = recs[i] as RecordedChange;
    const by = writers(prev, cur);
    const at = Date.parse(cur.at);
    if (prev.replicas !== cur.replicas)
      steps.push({ kind: 'replicas', at, from: String(prev.replicas), to: String(cur.replicas), by });
    if (imagesText(prev.images) !== imagesText(cur.images)) {
      steps.push({ kind: 'image', at, from: imagesText(prev.images), to: imagesText(cur.images), by });
    }
  }
  const out: Drift[] = [];
  for (const kind of driftKinds) {
    const ofKind = steps.filter((x) => x.kind === kind);
    // The latest change of this kind that Argo CD did not make.
    const driftIndex = ofKind.findLastIndex((x) => x.by.length > 0 && !x.by.includes(ARGOCD_MANAGER));
    const drift = ofKind[driftIndex];
    if (!drift) continue;
    const revert = ofKind.slice(driftIndex + 1).find((x) => x.to === drift.from);
    const now = kind === 'replicas' ? String(liveReplicas) : imagesText(liveImages);
    const byText = drift.by.join(', ');
    out.push({
      kind,
      at: drift.at,
      change: `${kind === 'replicas' ? 'spec.replicas' : 'image'} ${drift.from} → ${drift.to}`,
      by: byText,
      revert: revert ? { at: revert.at, by: revert.by.join(', ') || null } : null,
      now: `${kind === 'replicas' ? 'spec.replicas' : 'image'} = ${now}`,
      restored: now === drift.from,
      evidence: `${clockMs(drift.at)} ${byText} changed ${kind === 'replicas' ? 'spec.replicas' : 'the image'} ${drift.from} → ${drift.to}${revert ? `; ${clockMs(revert.at)} ${revert.by.join(', ') || 'someone'} put ${drift.from} back` : '; not put back'} (the sandbox's record of Deployment changes)`,
      precise: true,
    });
  }
  return out;
}

/** Drifts read from the cluster's Events and ReplicaSets, when nothing recorded the changes. Pure. */
export function findDrifts(deployment: KubeObject, replicaSets: KubeObject[], events: KubeObject[]): Drift[] {
  const d = deployment as unknown as {
    metadata: { name: string; annotations?: Record<string, string> };
    spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  };
  const name = d.metadata.name;
  const desired = d.spec?.replicas ?? 1;
  const liveImage = (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '').join(', ');
  const liveRevision = Number(d.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const sets = replicaSets.map((rs) => replicaSetFacts(rs, name)).filter((x): x is ReplicaSetFacts => x !== null);
  const live = sets.find((s) => s.revision === liveRevision) ?? sets.find((s) => s.image === liveImage);
  const scalings = events
    .map((raw) => kubeEventSchema.safeParse(raw))
    .filter((p) => p.success)
    .map((p) => p.data)
    .filter((e) => e.involvedObject.kind === 'Deployment' && e.involvedObject.name === name)
    .map(parseScaling)
    .filter((s): s is Scaling => s !== null && Number.isFinite(s.at))
    .sort((a, b) => a.at - b.at);
  const out: Drift[] = [];
  if (!live) return out;

  // Replicas: the live ReplicaSet taken away from the desired count while no other one scaled
  // (a rollout moves two ReplicaSets at once; kubectl scale moves only the live one).
  const candidates = scalings.filter(
    (s) =>
      s.replicaSet === live.name &&
      s.to !== desired &&
      (s.from === null || s.from === desired) &&
      !scalings.some((o) => o.replicaSet !== live.name && Math.abs(o.at - s.at) <= 1000),
  );
  const drift = candidates.at(-1);
  if (drift) {
    const back = scalings.find(
      (s) => s.replicaSet === live.name && s.at >= drift.at && s.to === desired && s !== drift,
    );
    out.push({
      kind: 'replicas',
      at: drift.at,
      change: `spec.replicas ${drift.from ?? desired} → ${drift.to}`,
      by: null,
      revert: back ? { at: back.at, by: null } : null,
      now: `spec.replicas = ${desired}`,
      restored: back !== undefined,
      evidence: `${clock(drift.at)} ScalingReplicaSet: replica set ${drift.replicaSet} scaled ${drift.up ? 'up' : 'down'} to ${drift.to}${back ? `; ${clock(back.at)} back to ${back.to}` : ''} (the Deployment's Events)`,
      precise: false,
    });
  }

  // Image: a ReplicaSet with another image and a lower revision than the live one, while the live
  // template was live before it too (its revision-history holds an older number): A → B → A, a
  // revert. A release is A → B only, and the old ReplicaSet's template never comes back.
  const liveBefore = (live.history.length ? Math.min(...live.history) : live.revision) < live.revision;
  const rolledBack = sets.filter(
    (s) =>
      s.image !== live.image && s.revision < live.revision && liveBefore && live.history.some((h) => h < s.revision),
  );
  const latest = rolledBack.sort((a, b) => a.revision - b.revision).at(-1);
  if (latest) {
    const up = scalings.filter((x) => x.replicaSet === latest.name && x.up).at(-1);
    const at = up?.at ?? latest.created;
    out.push({
      kind: 'image',
      at,
      change: `image ${live.image} → ${latest.image}`,
      by: null,
      revert: null,
      now: `image = ${liveImage}`,
      restored: liveImage === live.image && latest.replicas === 0,
      evidence: `replica set ${latest.name} (image ${latest.image}) was revision ${latest.revision}, between revisions ${live.history.join(', ')} and ${live.revision} of replica set ${live.name} (image ${live.image}), which is live again (the ReplicaSets' revisions)`,
      precise: false,
    });
  }
  return out;
}

/** The verdict on the drill. Pure: unit tests feed it objects captured from real clusters. */
export function judgeDrift(o: DriftOptions, ev: DriftEvidence): Assertion[] {
  const where = `Application ${o.app}`;
  const target = `deployment/${o.deployment} in namespace ${o.deploymentNamespace}${o.context ? ` (context ${o.context})` : ''}`;
  if (!ev.app) {
    return [
      {
        ok: false,
        expected: `${where} exists (namespace ${o.namespace})`,
        found: 'not found',
        message: `${where} not found`,
        hint: o.hint ?? 'The drill needs the Application that manages the Deployment: is it generated and synced?',
      },
    ];
  }
  const app = applicationSchema.safeParse(ev.app);
  const automated = app.success ? (app.data.spec.syncPolicy?.automated ?? null) : null;
  const selfHeal = automated !== null && automated.enabled !== false && automated.selfHeal === true;
  const out: Assertion[] = [
    {
      ok: selfHeal,
      expected: `${where} has automated sync with self-heal`,
      found: selfHeal ? 'self-heal on' : automated ? 'automated sync without self-heal' : 'manual sync',
      message: selfHeal
        ? `${where} heals drift by itself`
        : `${where} does not heal drift (${automated ? 'selfHeal is off' : 'manual sync'})`,
      ...(selfHeal
        ? {}
        : {
            hint:
              o.hint ??
              'Drill in an environment whose Application has syncPolicy.automated.selfHeal: true (dev or staging).',
          }),
    },
  ];
  if (!ev.deployment) {
    out.push({
      ok: false,
      expected: `${target} exists`,
      found: 'not found',
      message: `${target} not found`,
      hint: o.hint ?? 'Is the Application synced to that cluster and namespace?',
    });
    return out;
  }
  const drifts = ev.changes
    ? driftsFromRecord(ev.changes, ev.deployment)
    : findDrifts(ev.deployment, ev.replicaSets, ev.events);
  const syncs = automatedSyncs(
    ev.appEvents
      .map((raw) => kubeEventSchema.safeParse(raw))
      .filter((p) => p.success)
      .map((p) => p.data),
  );
  const syncStatus = app.success ? (app.data.status?.sync?.status ?? 'Unknown') : 'Unknown';
  // Self-heal waits longer after each heal of the same commit (Argo CD 3.x: 2 s, ×3 each time, 5 min cap).
  const heals = Number(
    (ev.app as { status?: { operationState?: { operation?: { sync?: { autoHealAttemptsCount?: number } } } } }).status
      ?.operationState?.operation?.sync?.autoHealAttemptsCount ?? 0,
  );
  const backoff =
    syncStatus === 'OutOfSync' && selfHeal
      ? ` Self-heal is waiting: after each heal of the same commit Argo CD waits longer before the next (2 s, 6 s, 18 s, 54 s, then up to 5 minutes; ${heals} heal${heals === 1 ? '' : 's'} of this commit so far). A new commit resets it.`
      : '';
  const source = ev.changes ? "the sandbox's record of Deployment changes" : "the Deployment's events and replica sets";

  for (const kind of o.drift) {
    const drift = drifts.find((d) => d.kind === kind);
    const how = kind === 'replicas' ? 'kubectl scale' : 'kubectl set image';
    const what = kind === 'image' ? 'an image' : 'a replicas';
    if (!drift) {
      out.push({
        ok: false,
        expected: `${what} change made outside Git (${how}) recorded for ${target}`,
        found: `no ${kind} change by anyone but Argo CD in ${source}`,
        message: `no ${kind} drift found on ${target}`,
        hint:
          o.hint ??
          (kind === 'replicas'
            ? `Change the replica count by hand (kubectl${o.context ? ` --context ${o.context}` : ''} -n ${o.deploymentNamespace} scale deployment ${o.deployment} --replicas=5) and watch Argo CD put it back.`
            : `Change the image by hand (kubectl${o.context ? ` --context ${o.context}` : ''} -n ${o.deploymentNamespace} set image deployment/${o.deployment} <container>=<another image>) and watch Argo CD put it back.`),
      });
      continue;
    }
    out.push({
      ok: true,
      expected: `${what} change made outside Git recorded for ${target}`,
      found: drift.evidence,
      message: `drift observed on ${target}: ${drift.change}${drift.by ? ` by ${drift.by}` : ''} at ${drift.precise ? clockMs(drift.at) : clock(drift.at)}`,
    });
    // The automated sync that undid it: started at or after the drift (Events are to the second).
    const heal = syncs.find((s) => s.started >= drift.at - 999);
    const done = drift.revert?.at ?? heal?.completed ?? null;
    const took = done !== null ? done - drift.at : null;
    const inTime = took !== null && took <= o.withinSeconds * 1000;
    const revertedByArgo =
      drift.revert === null || drift.revert.by === null || drift.revert.by.includes(ARGOCD_MANAGER);
    const byAutomation = heal !== undefined && heal.succeeded && revertedByArgo && done !== null;
    const tookText = took === null ? '' : drift.precise ? `${(took / 1000).toFixed(1)} s` : seconds(took);
    out.push({
      ok: byAutomation && inTime,
      expected: `reverted by an automated Argo CD sync within ${o.withinSeconds} s`,
      found: heal
        ? `Argo CD: "${heal.startMessage}" at ${clock(heal.started)}${heal.completed !== null ? `, "${heal.message}" at ${clock(heal.completed)}` : ', not finished'}${drift.revert ? `; the value was back ${tookText} after the drift (${drift.revert.by ?? 'writer unknown'})` : took !== null ? `; ${tookText} after the drift` : ''}`
        : `no automated sync of the Application after the drift (its Events)${drift.revert ? `; the value was put back by ${drift.revert.by ?? 'someone'}` : ''}`,
      message: byAutomation
        ? `${where}: automation reverted the ${kind} drift in ${tookText} (${drift.precise ? 'measured to the millisecond' : 'to the second'})${inTime ? '' : `, more than ${o.withinSeconds} s`}`
        : heal
          ? `${where}: the automated sync after the ${kind} drift ${heal.completed === null ? 'has not finished' : !heal.succeeded ? 'did not succeed' : `is not what put it back (${drift.revert?.by ?? '?'} did)`}`
          : `${where}: no automated sync followed the ${kind} drift${backoff ? ' yet' : ''}.${backoff}`,
      ...(byAutomation && inTime
        ? {}
        : {
            hint:
              o.hint ??
              (heal
                ? "Read the Application's last operation (argocd app get) for why it did not finish."
                : "Only Argo CD's own sync counts: undoing the change by hand proves nothing. Is self-heal on, and does the Application show the drift (OutOfSync)? Argo CD's events expire after 30 minutes: an older drill must be done again."),
          }),
    });
    out.push({
      ok: drift.restored,
      expected: `${target}: ${kind === 'replicas' ? 'spec.replicas' : 'the image'} back to its value before the drift`,
      found: drift.now,
      message: drift.restored
        ? `${target}: ${kind} restored (${drift.now}, was ${drift.change.split('→')[1]?.trim() ?? '?'} during the drift)`
        : `${target}: ${kind} not restored yet (${drift.now})`,
      ...(drift.restored
        ? {}
        : {
            hint: o.hint ?? 'Give Argo CD a few seconds (self-heal backs off after repeated heals), then check again.',
          }),
    });
  }
  out.push({
    ok: syncStatus === 'Synced',
    expected: `${where} is Synced now`,
    found: `sync status ${syncStatus}`,
    message:
      syncStatus === 'Synced' ? `${where} is Synced: the cluster matches Git again` : `${where} is ${syncStatus}`,
    ...(syncStatus === 'Synced'
      ? {}
      : { hint: o.hint ?? 'Wait a few seconds for the self-heal to finish, then check again.' }),
  });
  return out;
}

/** The recorder's folder (DOJO_CHANGE_LOG_DIR in the sandbox environment), or null. */
function changeLog(ctx: CheckContext, context: string | undefined): string | null {
  const dir = ctx.env['DOJO_CHANGE_LOG_DIR'];
  return dir && context ? path.join(dir, `${context}.jsonl`) : null;
}

async function gather(o: DriftOptions, ctx: CheckContext): Promise<DriftEvidence> {
  const list = (resource: string, namespace: string, context?: string) =>
    ctx.observations.memo(`k8s-list:${context ?? ''}:${resource}:${namespace}`, async () => {
      try {
        return await sandboxKubectl(ctx, context).list(resource, namespace, { signal: ctx.signal, timeoutMs: 20_000 });
      } catch (err) {
        const e = kubectlFailure(err, context);
        throw e instanceof Error ? e : new CheckEnvironmentError(String(e));
      }
    });
  const log = changeLog(ctx, o.context);
  const [app, appEvents, deployment, replicaSets, events, changes] = await Promise.all([
    observeObject(ctx, 'applications.argoproj.io', o.app, o.namespace),
    list('events', o.namespace),
    observeObject(ctx, 'deployment', o.deployment, o.deploymentNamespace, o.context),
    list('replicasets', o.deploymentNamespace, o.context),
    list('events', o.deploymentNamespace, o.context),
    log ? readRecordedChanges(log) : Promise.resolve(null),
  ]);
  const mine = (e: KubeObject) => {
    const io = (e as { involvedObject?: { kind?: string; name?: string } }).involvedObject;
    return io?.kind === 'Application' && io.name === o.app;
  };
  return {
    app,
    appEvents: appEvents.filter(mine),
    deployment,
    replicaSets,
    events,
    changes: changes ? changes.filter((c) => c.namespace === o.deploymentNamespace && c.name === o.deployment) : null,
  };
}

export const argocdDrift = defineCheck({
  kind: 'argocd.drift',
  title:
    "A change made outside Git (kubectl scale, kubectl set image) was observed and reverted by Argo CD's automation, with the evidence: the drift, the automated sync and how long it took, the restored fields.",
  schema,
  example: {
    kind: 'argocd.drift',
    app: 'payments-api-staging',
    deployment: 'payments-api',
    deploymentNamespace: 'payments-staging',
    context: 'staging',
    drift: ['replicas', 'image'],
    withinSeconds: 60,
  },
  async run(o, ctx) {
    try {
      return judgeDrift(o, await gather(o, ctx));
    } catch (err) {
      if (err instanceof MissingContextError) {
        return [
          missingContextAssertion(
            describeTarget({
              resource: 'deployment',
              name: o.deployment,
              namespace: o.deploymentNamespace,
              context: o.context,
            }),
            err.context,
            o.hint,
          ),
        ];
      }
      throw err;
    }
  },
});
