/**
 * `argocd.applicationSet`: an ApplicationSet generated exactly the Applications a step asks for
 * (one per environment, say), each with the destination, project, source path and sync policy
 * expected. Judged from the ApplicationSet (its generators and its ErrorOccurred condition, which
 * carries Argo CD's own explanation: a template key that does not exist, a generator that failed)
 * and from the Applications it owns (metadata.ownerReferences), never from the ApplicationSet's
 * status.resources, which the controller refreshes lazily. Whether each Application is synced is
 * argocd.app's job.
 */
import { z } from 'zod';
import { checkBase } from './check-base.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import type { KubeObject } from '../sandbox/kubectl.ts';
import { CheckEnvironmentError, defineCheck } from './check-kind.ts';
import { kubectlFailure, observeObject, sandboxKubectl } from './k8s-resource.ts';
import { applicationSchema, primarySource, type Application } from './argocd-app.ts';

export const generatorKinds = [
  'list',
  'clusters',
  'git',
  'matrix',
  'merge',
  'scmProvider',
  'pullRequest',
  'clusterDecisionResource',
  'plugin',
] as const;

const expectedAppSchema = strictFields({
  name: z.string().min(1).describe("The generated Application's name, e.g. payments-api-dev."),
  destination: z
    .string()
    .optional()
    .describe('Its spec.destination: the cluster name (destination.name) or server URL (destination.server).'),
  destinationNamespace: z.string().optional().describe('Its spec.destination.namespace.'),
  project: z.string().optional().describe('Its spec.project (the AppProject that limits where it may deploy).'),
  path: z.string().optional().describe('Its spec.source.path, e.g. apps/payments-api/overlays/dev.'),
  targetRevision: z.string().optional().describe('Its spec.source.targetRevision, e.g. main.'),
  automated: z
    .boolean()
    .optional()
    .describe('Whether automated sync must be on (true) or off (false: synced by hand).'),
  selfHeal: z.boolean().optional().describe('Whether spec.syncPolicy.automated.selfHeal must be on or off.'),
  prune: z.boolean().optional().describe('Whether spec.syncPolicy.automated.prune must be on or off.'),
});
export type ExpectedApp = z.output<typeof expectedAppSchema>;

const schema = strictFields({
  kind: z.literal('argocd.applicationSet'),
  name: z.string().min(1).describe("The ApplicationSet's name."),
  namespace: z.string().default('argocd').describe('Where the ApplicationSet and its Applications live.'),
  generator: z
    .enum(generatorKinds)
    .optional()
    .describe('A generator the ApplicationSet must use (at the top level or inside matrix/merge); omit to accept any.'),
  applications: z
    .array(expectedAppSchema)
    .min(1)
    .describe('The Applications it must have generated, each with the fields that must hold.'),
  exactly: z.boolean().default(true).describe('true: it generated no other Application; false: others are allowed.'),
  ...checkBase,
});

export type AppSetOptions = z.output<typeof schema>;

const conditionSchema = z.object({ type: z.string(), status: z.string(), message: z.string().default('') }).loose();
export const applicationSetSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('ApplicationSet'),
    metadata: z.object({ name: z.string(), namespace: z.string().optional(), uid: z.string().optional() }).loose(),
    spec: z.object({ generators: z.array(z.record(z.string(), z.unknown())).default([]) }).loose(),
    status: z
      .object({ conditions: z.array(conditionSchema).optional() })
      .loose()
      .optional(),
  })
  .loose();
type ApplicationSet = z.infer<typeof applicationSetSchema>;

/** The generator kinds an ApplicationSet uses, nested ones (inside matrix and merge) included. */
export function generatorsOf(generators: Record<string, unknown>[]): string[] {
  const out = new Set<string>();
  const walk = (list: unknown) => {
    for (const g of Array.isArray(list) ? list : []) {
      if (!g || typeof g !== 'object') continue;
      for (const [k, v] of Object.entries(g as Record<string, unknown>)) {
        if (k === 'selector') continue;
        out.add(k);
        if ((k === 'matrix' || k === 'merge') && v && typeof v === 'object') {
          walk((v as { generators?: unknown }).generators);
        }
      }
    }
  };
  walk(generators);
  return [...out];
}

/** Applications whose ownerReferences name the ApplicationSet (by uid when both have one). */
export function ownedApplications(
  appSet: { metadata: { name: string; uid?: string | undefined } },
  apps: KubeObject[],
): KubeObject[] {
  return apps.filter((a) => {
    const refs =
      (a.metadata as { ownerReferences?: { kind?: string; name?: string; uid?: string }[] }).ownerReferences ?? [];
    return refs.some(
      (r) =>
        r.kind === 'ApplicationSet' &&
        r.name === appSet.metadata.name &&
        (!r.uid || !appSet.metadata.uid || r.uid === appSet.metadata.uid),
    );
  });
}

function policyOf(app: Application): { automated: boolean; selfHeal: boolean; prune: boolean } {
  const automated = app.spec.syncPolicy?.automated ?? null;
  const on = automated !== null && automated.enabled !== false;
  return { automated: on, selfHeal: on && automated?.selfHeal === true, prune: on && automated?.prune === true };
}

function destinationOf(app: Application): { cluster: string; namespace: string } {
  const d = (app.spec as { destination?: { name?: string; server?: string; namespace?: string } }).destination ?? {};
  return { cluster: d.name || d.server || '', namespace: d.namespace ?? '' };
}

/** The verdict on one ApplicationSet and the Applications of its namespace. Pure. */
export function judgeApplicationSet(o: AppSetOptions, raw: KubeObject | null, apps: KubeObject[]): Assertion[] {
  const where = `ApplicationSet ${o.name} (namespace ${o.namespace})`;
  if (!raw) {
    return [
      {
        ok: false,
        expected: `${where} exists`,
        found: 'kubectl get applicationsets.argoproj.io answered NotFound',
        message: `${where} not found`,
        hint:
          o.hint ??
          `Apply your ApplicationSet with kubectl apply -f <file>; metadata.namespace must be ${o.namespace}.`,
      },
    ];
  }
  const parsed = applicationSetSchema.safeParse(raw);
  if (!parsed.success) {
    return [
      {
        ok: false,
        expected: `${where} is an argoproj.io ApplicationSet`,
        found: `an object of kind ${raw.kind} without an ApplicationSet's shape`,
        message: `${where} could not be read as an ApplicationSet`,
      },
    ];
  }
  const set: ApplicationSet = parsed.data;
  const out: Assertion[] = [{ ok: true, expected: `${where} exists`, found: 'found', message: `${where} exists` }];

  const error = (set.status?.conditions ?? []).find((c) => c.type === 'ErrorOccurred' && c.status === 'True');
  out.push({
    ok: !error,
    expected: 'no ErrorOccurred condition on the ApplicationSet',
    found: error ? `ErrorOccurred: ${error.message}` : 'none',
    message: error
      ? `${where} cannot generate its Applications: ${error.message}`
      : `${where} generates without errors`,
    ...(error
      ? {
          hint:
            o.hint ??
            'This is the ApplicationSet controller explaining what it cannot do: a template key the generator does not provide, a generator that failed. Fix the manifest and apply it again.',
        }
      : {}),
  });

  if (o.generator) {
    const used = generatorsOf(set.spec.generators);
    const ok = used.includes(o.generator);
    out.push({
      ok,
      expected: `a ${o.generator} generator`,
      found: used.length ? `generators: ${used.join(', ')}` : 'no generators',
      message: ok
        ? `${where} uses a ${o.generator} generator`
        : `${where} uses ${used.join(', ') || 'no generator'}, expected ${o.generator}`,
      ...(ok ? {} : { hint: o.hint ?? `Add a ${o.generator} generator under spec.generators.` }),
    });
  }

  const owned = ownedApplications(set, apps);
  const byName = new Map(owned.map((a) => [a.metadata.name, a]));
  const names = [...byName.keys()].sort();
  const wanted = o.applications.map((a) => a.name);
  const missing = wanted.filter((n) => !byName.has(n));
  const extra = names.filter((n) => !wanted.includes(n));
  const setOk = missing.length === 0 && (!o.exactly || extra.length === 0);
  out.push({
    ok: setOk,
    expected: `generated Applications ${o.exactly ? 'exactly ' : ''}${wanted.join(', ')}`,
    found: names.length ? `generated: ${names.join(', ')}` : 'no Application owned by this ApplicationSet',
    message: setOk
      ? `${where} generated ${names.join(', ')}`
      : `${where} generated ${names.length ? names.join(', ') : 'nothing'}${missing.length ? `; missing ${missing.join(', ')}` : ''}${o.exactly && extra.length ? `; not expected ${extra.join(', ')}` : ''}`,
    ...(setOk
      ? {}
      : {
          hint:
            o.hint ??
            (names.length === 0
              ? 'The generator produced no parameters: does it select anything (a cluster generator selects cluster Secrets by label; are the clusters registered with those labels)?'
              : "Compare the generated names with the template's metadata.name, and what the generator selects with what should exist."),
        }),
  });

  for (const want of o.applications) {
    const raw = byName.get(want.name);
    if (!raw) continue;
    const app = applicationSchema.safeParse(raw);
    if (!app.success) continue;
    const have = app.data;
    const source = primarySource(have);
    const dest = destinationOf(have);
    const policy = policyOf(have);
    const facts: [string, unknown, unknown, string][] = [
      ['destination', want.destination, dest.cluster, 'spec.destination.name (or server)'],
      ['destination namespace', want.destinationNamespace, dest.namespace, 'spec.destination.namespace'],
      ['project', want.project, have.spec['project'] ?? 'default', 'spec.project'],
      ['source path', want.path, source?.path ?? '', 'spec.source.path'],
      ['target revision', want.targetRevision, source?.targetRevision ?? 'HEAD', 'spec.source.targetRevision'],
      ['automated sync', want.automated, policy.automated, 'spec.syncPolicy.automated'],
      ['self-heal', want.selfHeal, policy.selfHeal, 'spec.syncPolicy.automated.selfHeal'],
      ['prune', want.prune, policy.prune, 'spec.syncPolicy.automated.prune'],
    ];
    for (const [label, expected, found, field] of facts) {
      if (expected === undefined) continue;
      const ok = expected === found;
      const show = (v: unknown) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : JSON.stringify(v));
      out.push({
        ok,
        expected: `${want.name}: ${label} ${show(expected)} (${field})`,
        found: `${label} ${show(found)}`,
        message: ok
          ? `${want.name}: ${label} is ${show(found)}`
          : `${want.name}: ${label} is ${show(found)}, expected ${show(expected)}`,
        ...(ok
          ? {}
          : {
              hint:
                o.hint ??
                `Generated Applications are rewritten from the template on every change: fix ${field} in the ApplicationSet's template (or templatePatch), not in the Application.`,
            }),
      });
    }
  }
  return out;
}

export const argocdApplicationSet = defineCheck({
  kind: 'argocd.applicationSet',
  title:
    'An ApplicationSet generated exactly the Applications asked for, each with its destination, project, source path and sync policy, and reports no error.',
  schema,
  example: {
    kind: 'argocd.applicationSet',
    name: 'payments-api',
    generator: 'clusters',
    applications: [
      { name: 'payments-api-dev', destination: 'dev', automated: true, selfHeal: true },
      { name: 'payments-api-prod', destination: 'prod', automated: false },
    ],
  },
  async run(o, ctx) {
    const raw = await observeObject(ctx, 'applicationsets.argoproj.io', o.name, o.namespace);
    if (!raw) return judgeApplicationSet(o, null, []);
    const apps = await ctx.observations.memo(`k8s-list:applications:${o.namespace}`, async () => {
      try {
        return await sandboxKubectl(ctx).list('applications.argoproj.io', o.namespace, {
          signal: ctx.signal,
          timeoutMs: 20_000,
        });
      } catch (err) {
        const e = kubectlFailure(err);
        throw e instanceof Error ? e : new CheckEnvironmentError(String(e));
      }
    });
    return judgeApplicationSet(o, raw, apps);
  },
});
