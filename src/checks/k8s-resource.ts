/**
 * `k8s.resource`: a Kubernetes object exists (or does not) in the sandbox's cluster, and chosen
 * fields hold expected values. The object is read once per check run with `kubectl get -o json`
 * through the sandbox's KUBECONFIG; judging is `judgeK8sResource`, a pure function of that object.
 */
import { z } from 'zod';
import { regexOption } from './regex-option.ts';
import { checkBase } from './check-base.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { Kubectl, KubectlError, type KubeObject } from '../sandbox/kubectl.ts';
import { CheckEnvironmentError, defineCheck, type CheckContext } from './check-kind.ts';

/** One expectation on a field; exactly one operator besides `path`. */
export const fieldExpectationSchema = strictFields({
  path: z
    .string()
    .min(1)
    .describe(
      'Dotted path with [n] for list items and ["key.with.dots"] for such keys: metadata.labels["app.kubernetes.io/name"].',
    ),
  equals: z.unknown().optional().describe('The value, compared as JSON (numbers, strings, booleans, lists, maps).'),
  matches: regexOption().optional().describe('A regular expression the value (as text) matches.'),
  contains: z.unknown().optional().describe('A text the value contains, or an item a list contains.'),
  exists: z.boolean().optional().describe('Whether the field is present at all.'),
  atLeast: z.number().optional().describe('A number the value is at least (e.g. status.readyReplicas).'),
}).refine((f) => ['equals', 'matches', 'contains', 'exists', 'atLeast'].filter((k) => k in f).length === 1, {
  error: 'give each field exactly one of equals, matches, contains, exists or atLeast',
});

export type FieldExpectation = z.infer<typeof fieldExpectationSchema>;

const schema = strictFields({
  kind: z.literal('k8s.resource'),
  resource: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9.-]*$/, { error: 'expected a kubectl resource type such as deployment or configmap' })
    .describe('A resource type as kubectl names it: deployment, configmap, service, applications.argoproj.io…'),
  name: z.string().min(1).describe('The object name.'),
  namespace: z.string().optional().describe('Omit for cluster-scoped objects (namespaces, nodes).'),
  context: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A kubeconfig context of the sandbox's KUBECONFIG, for labs with several clusters (e.g. staging); omit for the current one.",
    ),
  exists: z.boolean().default(true).describe('false checks that the object is gone (e.g. after a prune).'),
  fields: z.array(fieldExpectationSchema).default([]).describe('Expectations on fields of the object.'),
  ...checkBase,
});

export type K8sResourceOptions = z.output<typeof schema>;

type Segment = string | number;

/** Parses `spec.template.spec.containers[0].image` or `metadata.labels["app.kubernetes.io/name"]`. */
export function parseFieldPath(expr: string): Segment[] {
  const out: Segment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]|(\.)/g;
  let consumed = 0;
  for (const m of expr.matchAll(re)) {
    if (m.index !== consumed) break;
    consumed += m[0].length;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
    else if (m[4] !== undefined) out.push(m[4]);
  }
  if (consumed !== expr.length || out.length === 0) {
    throw new Error(
      `cannot read the field path "${expr}": use dots, [n] and ["key"], e.g. metadata.labels["app.kubernetes.io/name"]`,
    );
  }
  return out;
}

/** The value at a path, or `undefined` when any step is missing. */
export function readPath(value: unknown, expr: string): unknown {
  let cur: unknown = value;
  for (const seg of parseFieldPath(expr)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

const show = (v: unknown): string => (v === undefined ? 'nothing (the field is absent)' : JSON.stringify(v));

function deepEqual(a: unknown, b: unknown): boolean {
  // Numbers in YAML frontmatter and strings in Kubernetes (ConfigMap data) often meet: 2 == "2".
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number'))
    return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One assertion per field expectation. */
export function judgeField(where: string, object: KubeObject, f: FieldExpectation, hint?: string): Assertion {
  const value = readPath(object, f.path);
  let ok: boolean;
  let expected: string;
  if (f.exists !== undefined) {
    ok = (value !== undefined) === f.exists;
    expected = f.exists ? `${f.path} is set` : `${f.path} is not set`;
  } else if (f.matches !== undefined) {
    ok = value !== undefined && new RegExp(f.matches).test(typeof value === 'string' ? value : JSON.stringify(value));
    expected = `${f.path} matches /${f.matches}/`;
  } else if (f.contains !== undefined) {
    ok = Array.isArray(value)
      ? value.some(
          (item) =>
            deepEqual(item, f.contains) ||
            (typeof f.contains === 'object' && f.contains !== null && isSubset(f.contains, item)),
        )
      : typeof value === 'string' && value.includes(String(f.contains));
    expected = `${f.path} contains ${JSON.stringify(f.contains)}`;
  } else if (f.atLeast !== undefined) {
    ok = typeof value === 'number' && value >= f.atLeast;
    expected = `${f.path} ≥ ${f.atLeast}`;
  } else {
    ok = deepEqual(value, f.equals);
    expected = `${f.path} = ${JSON.stringify(f.equals)}`;
  }
  return {
    ok,
    expected,
    found: `${f.path} = ${show(value)}`,
    message: ok ? `${where}: ${expected}` : `${where}: expected ${expected}, found ${show(value)}`,
    ...(ok
      ? {}
      : {
          hint: hint ?? `Change ${f.path} in the manifest in Git (or with kubectl for a quick test) and check again.`,
        }),
  };
}

/** Whether every key of `want` has an equal value in `have` (for "a list contains an item like this"). */
function isSubset(want: unknown, have: unknown): boolean {
  if (want === null || typeof want !== 'object') return deepEqual(want, have);
  if (have === null || typeof have !== 'object') return false;
  return Object.entries(want).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
}

export function describeTarget(o: Pick<K8sResourceOptions, 'resource' | 'name' | 'namespace' | 'context'>): string {
  return `${o.resource}/${o.name}${o.namespace ? ` in namespace ${o.namespace}` : ''}${o.context ? ` (context ${o.context})` : ''}`;
}

/** Thrown by observeObject when the kubeconfig has no such context (the cluster is not made yet). */
export class MissingContextError extends Error {
  readonly context: string;
  constructor(context: string) {
    super(`the sandbox's KUBECONFIG has no context "${context}"`);
    this.name = 'MissingContextError';
    this.context = context;
  }
}

/** The verdict when the context to look in does not exist: a failed assertion, not an error. */
export function missingContextAssertion(where: string, context: string, hint?: string): Assertion {
  return {
    ok: false,
    expected: `${where} exists`,
    found: `no kubeconfig context "${context}" (kubectl config get-contexts lists what exists)`,
    message: `${where}: the cluster "${context}" is not in the sandbox's KUBECONFIG yet`,
    hint:
      hint ??
      `The context appears when its cluster exists: is "${context}" made (terraform apply) and its kubeconfig written where KUBECONFIG points?`,
  };
}

/** The verdict for one object (null: kubectl answered NotFound). Pure: unit tests feed captured JSON. */
export function judgeK8sResource(o: K8sResourceOptions, object: KubeObject | null): Assertion[] {
  const where = describeTarget(o);
  if (!o.exists) {
    return [
      {
        ok: object === null,
        expected: `${where} does not exist`,
        found: object === null ? 'not found' : `it exists (uid ${String(readPath(object, 'metadata.uid') ?? '?')})`,
        message: object === null ? `${where} is gone` : `${where} still exists`,
        ...(object === null
          ? {}
          : { hint: o.hint ?? 'Remove it from Git (Argo CD prunes it when prune is on) or delete it.' }),
      },
    ];
  }
  if (!object) {
    return [
      {
        ok: false,
        expected: `${where} exists`,
        found: 'kubectl get answered NotFound',
        message: `${where} not found in the cluster`,
        hint:
          o.hint ??
          (o.namespace
            ? `Is it in another namespace (kubectl get ${o.resource} -A)? If Argo CD deploys it, is the Application synced?`
            : 'Create it, or check the name.'),
      },
    ];
  }
  const out: Assertion[] = [
    {
      ok: true,
      expected: `${where} exists`,
      found: `found (uid ${String(readPath(object, 'metadata.uid') ?? '?')})`,
      message: `${where} exists`,
    },
  ];
  for (const f of o.fields) out.push(judgeField(where, object, f, o.hint));
  return out;
}

/** kubectl on the sandbox's cluster (or one `context` of its KUBECONFIG); the environment must name its KUBECONFIG. */
export function sandboxKubectl(ctx: Pick<CheckContext, 'env'>, context?: string): Kubectl {
  const kubeconfig = ctx.env['KUBECONFIG'];
  if (!kubeconfig) {
    throw new CheckEnvironmentError(
      'expected KUBECONFIG in the sandbox environment, found it unset: this check needs the lab cluster.',
      'Start the lab sandbox (it creates the kind cluster), then check again.',
    );
  }
  try {
    return new Kubectl(kubeconfig, { env: ctx.env, ...(context ? { context } : {}) });
  } catch (err) {
    throw new CheckEnvironmentError((err as Error).message);
  }
}

/** `kubectl get` as an observation: NotFound is an answer (null), anything else stops the check. */
export function observeObject(
  ctx: CheckContext,
  resource: string,
  name: string,
  namespace?: string,
  context?: string,
): Promise<KubeObject | null> {
  return ctx.observations.memo(`k8s:${context ?? ''}:${resource}:${namespace ?? ''}:${name}`, async () => {
    try {
      return await sandboxKubectl(ctx, context).get(resource, name, namespace, {
        signal: ctx.signal,
        timeoutMs: 20_000,
      });
    } catch (err) {
      throw kubectlFailure(err, context);
    }
  });
}

/** A kubectl failure as a check sees it: a missing context, an environment problem, or as is. */
export function kubectlFailure(err: unknown, context?: string): unknown {
  if (
    context &&
    err instanceof KubectlError &&
    /context was not found for specified context|context "[^"]*" does not exist/.test(err.stderr)
  ) {
    return new MissingContextError(context);
  }
  if (err instanceof KubectlError)
    return new CheckEnvironmentError(
      err.message,
      err.problem === 'unreachable' ? 'Is the lab sandbox running?' : undefined,
    );
  return err;
}

export const k8sResource = defineCheck({
  kind: 'k8s.resource',
  title: 'A Kubernetes object exists (or not) in the lab cluster, with fields holding expected values.',
  schema,
  example: {
    kind: 'k8s.resource',
    resource: 'configmap',
    name: 'site-settings',
    namespace: 'site',
    fields: [
      { path: 'data.banner', matches: 'Spring sale' },
      { path: 'metadata.labels["app.kubernetes.io/part-of"]', equals: 'team-site' },
    ],
  },
  async run(o, ctx) {
    try {
      return judgeK8sResource(o, await observeObject(ctx, o.resource, o.name, o.namespace, o.context));
    } catch (err) {
      if (err instanceof MissingContextError) return [missingContextAssertion(describeTarget(o), err.context, o.hint)];
      throw err;
    }
  },
});
