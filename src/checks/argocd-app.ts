/**
 * `argocd.app`: an Argo CD Application is in the state a GitOps step promises: synced to, and
 * healthy at, the commit its branch points at in the lab's Git server, with the sync policy the
 * step asks for. Judged from the Application object (`status.sync`, `status.health`,
 * `status.operationState`, `status.conditions`), never from `status.resources[].health`, which
 * Argo CD 3.x does not store by default. On failure the Application's conditions and last
 * operation message are shown: they are Argo CD's own explanation (a bad path, an unreachable
 * repository, an invalid manifest).
 */
import { execa } from 'execa';
import { z } from 'zod';
import { checkBase } from './check-base.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { toolEnv } from '../sandbox/which.ts';
import type { KubeObject } from '../sandbox/kubectl.ts';
import { CheckEnvironmentError, defineCheck, type CheckContext } from './check-kind.ts';
import { observeObject } from './k8s-resource.ts';

const syncStates = ['Synced', 'OutOfSync', 'Unknown'] as const;
const healthStates = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;

const schema = strictFields({
  kind: z.literal('argocd.app'),
  name: z.string().min(1).describe("The Application's name."),
  namespace: z
    .string()
    .default('argocd')
    .describe('Where Applications live; argocd unless the lab uses apps-in-any-namespace.'),
  sync: z
    .enum([...syncStates, 'any'])
    .default('Synced')
    .describe('Expected status.sync.status; "any" skips the assertion.'),
  health: z
    .enum([...healthStates, 'any'])
    .default('Healthy')
    .describe('Expected status.health.status; "any" skips the assertion.'),
  revisionIsHead: z
    .boolean()
    .default(true)
    .describe("status.sync.revision must equal the commit the tracked branch points at in the lab's Git server."),
  branch: z
    .string()
    .optional()
    .describe('The branch to compare with; defaults to spec.source.targetRevision (HEAD means the default branch).'),
  path: z.string().optional().describe('Expected spec.source.path, e.g. "k8s".'),
  automated: z
    .boolean()
    .optional()
    .describe('Whether automated sync must be on (true) or off (false); omit to not check.'),
  selfHeal: z
    .boolean()
    .optional()
    .describe('Whether spec.syncPolicy.automated.selfHeal must be on (true) or off (false).'),
  prune: z.boolean().optional().describe('Whether spec.syncPolicy.automated.prune must be on (true) or off (false).'),
  ...checkBase,
});

export type ArgoAppOptions = z.output<typeof schema>;

const conditionSchema = z
  .object({ type: z.string(), message: z.string().default(''), lastTransitionTime: z.string().optional() })
  .loose();
const sourceSchema = z
  .object({ repoURL: z.string().default(''), path: z.string().optional(), targetRevision: z.string().optional() })
  .loose();

/** The parts of an Application the judge reads (argoproj.io/v1alpha1, pkg/apis/application/v1alpha1/types.go). */
export const applicationSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('Application'),
    metadata: z.object({ name: z.string(), namespace: z.string().optional() }).loose(),
    spec: z
      .object({
        source: sourceSchema.optional(),
        sources: z.array(sourceSchema).optional(),
        syncPolicy: z
          .object({
            automated: z
              .object({
                prune: z.boolean().optional(),
                selfHeal: z.boolean().optional(),
                enabled: z.boolean().optional(),
              })
              .loose()
              .nullable()
              .optional(),
          })
          .loose()
          .nullable()
          .optional(),
      })
      .loose(),
    status: z
      .object({
        sync: z
          .object({
            status: z.string().optional(),
            revision: z.string().optional(),
            revisions: z.array(z.string()).optional(),
          })
          .loose()
          .optional(),
        health: z.object({ status: z.string().optional(), message: z.string().optional() }).loose().optional(),
        operationState: z
          .object({
            phase: z.string().optional(),
            message: z.string().optional(),
            finishedAt: z.string().optional(),
            operation: z
              .object({
                initiatedBy: z
                  .object({ automated: z.boolean().optional(), username: z.string().optional() })
                  .loose()
                  .optional(),
              })
              .loose()
              .optional(),
          })
          .loose()
          .optional(),
        conditions: z.array(conditionSchema).optional(),
        reconciledAt: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export type Application = z.infer<typeof applicationSchema>;

/** The commit the tracked branch points at, or why it could not be read. */
export type TrackedHead = { ref: string; revision: string } | { ref: string; error: string };

/** The first source of the Application (single `source`, or the first of `sources`). */
export function primarySource(app: Application): z.infer<typeof sourceSchema> | undefined {
  return app.spec.source ?? app.spec.sources?.[0];
}

/** The revision Argo CD compared against for the primary source. */
export function syncedRevision(app: Application): string | undefined {
  return app.status?.sync?.revision || app.status?.sync?.revisions?.[0] || undefined;
}

/** Conditions worth showing a learner: errors and warnings, as "Type: message" lines. */
export function describeConditions(app: Application): string[] {
  return (app.status?.conditions ?? []).map((c) => `${c.type}: ${c.message}`.trim());
}

function withContext(app: Application): string {
  const parts = describeConditions(app);
  const op = app.status?.operationState;
  if (op?.phase && op.phase !== 'Succeeded' && op.message) parts.push(`last sync ${op.phase}: ${op.message}`);
  return parts.length ? ` Argo CD says: ${parts.join(' | ')}` : '';
}

const short = (sha: string | undefined) => (sha && /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : (sha ?? 'none'));

/** The verdict on one Application; `head` is the tracked branch's commit in the lab's Git server. Pure. */
export function judgeArgoApp(o: ArgoAppOptions, raw: KubeObject | null, head: TrackedHead | null): Assertion[] {
  const where = `Application ${o.name} (namespace ${o.namespace})`;
  if (!raw) {
    return [
      {
        ok: false,
        expected: `${where} exists`,
        found: 'kubectl get applications.argoproj.io answered NotFound',
        message: `${where} not found`,
        hint:
          o.hint ??
          `Apply your Application manifest with kubectl apply -n ${o.namespace} -f <file>, and check metadata.name and metadata.namespace.`,
      },
    ];
  }
  const parsed = applicationSchema.safeParse(raw);
  if (!parsed.success) {
    return [
      {
        ok: false,
        expected: `${where} is an argoproj.io Application`,
        found: `an object of kind ${raw.kind} that does not have an Application's shape`,
        message: `${where} could not be read as an Application`,
      },
    ];
  }
  const app = parsed.data;
  const context = withContext(app);
  const out: Assertion[] = [{ ok: true, expected: `${where} exists`, found: 'found', message: `${where} exists` }];
  const source = primarySource(app);

  if (o.path !== undefined) {
    const ok = (source?.path ?? '') === o.path;
    out.push({
      ok,
      expected: `spec.source.path = ${JSON.stringify(o.path)}`,
      found: `spec.source.path = ${JSON.stringify(source?.path ?? null)}`,
      message: ok
        ? `${where} deploys the folder ${o.path}`
        : `${where} deploys ${JSON.stringify(source?.path ?? '(repository root)')}, expected ${JSON.stringify(o.path)}`,
      ...(ok
        ? {}
        : { hint: o.hint ?? 'spec.source.path is the folder inside the repository that holds the manifests.' }),
    });
  }

  const automated = app.spec.syncPolicy?.automated ?? null;
  const isAutomated = automated !== null && automated.enabled !== false;
  const policy = (label: string, want: boolean | undefined, have: boolean, field: string, hint: string) => {
    if (want === undefined) return;
    const ok = want === have;
    out.push({
      ok,
      expected: `${label} ${want ? 'on' : 'off'} (${field})`,
      found: `${label} ${have ? 'on' : 'off'}`,
      message: ok
        ? `${where}: ${label} is ${have ? 'on' : 'off'}`
        : `${where}: expected ${label} ${want ? 'on' : 'off'}, found ${have ? 'on' : 'off'}`,
      ...(ok ? {} : { hint: o.hint ?? hint }),
    });
  };
  policy(
    'automated sync',
    o.automated,
    isAutomated,
    'spec.syncPolicy.automated',
    'Add spec.syncPolicy.automated: {} to the Application (prune and selfHeal go inside it).',
  );
  policy(
    'self-heal',
    o.selfHeal,
    isAutomated && automated?.selfHeal === true,
    'spec.syncPolicy.automated.selfHeal',
    'Set spec.syncPolicy.automated.selfHeal: true, so Argo CD reverts changes made outside Git.',
  );
  policy(
    'prune',
    o.prune,
    isAutomated && automated?.prune === true,
    'spec.syncPolicy.automated.prune',
    'Set spec.syncPolicy.automated.prune: true, so objects removed from Git are deleted.',
  );

  const sync = app.status?.sync?.status ?? 'Unknown';
  if (o.sync !== 'any') {
    const ok = sync === o.sync;
    out.push({
      ok,
      expected: `sync status ${o.sync}`,
      found: `sync status ${sync}${app.status?.operationState?.phase ? ` (last operation ${app.status.operationState.phase})` : ''}`,
      message: ok ? `${where} is ${sync}` : `${where} is ${sync}, expected ${o.sync}.${context}`,
      ...(ok
        ? {}
        : {
            hint:
              o.hint ??
              (sync === 'OutOfSync'
                ? 'Git and the cluster differ: sync it (argocd app sync, the UI, or turn on automated sync), or wait for the automated sync.'
                : 'Argo CD could not compare yet: read its message above, then check again in a few seconds.'),
          }),
    });
  }

  const health = app.status?.health?.status ?? 'Unknown';
  if (o.health !== 'any') {
    const ok = health === o.health;
    const msg = app.status?.health?.message;
    out.push({
      ok,
      expected: `health ${o.health}`,
      found: `health ${health}${msg ? ` (${msg})` : ''}`,
      message: ok ? `${where} is ${health}` : `${where} is ${health}, expected ${o.health}.${context}`,
      ...(ok
        ? {}
        : {
            hint:
              o.hint ??
              (health === 'Progressing'
                ? 'Pods are still starting: wait a few seconds and check again.'
                : health === 'Degraded'
                  ? 'A deployed object is failing: kubectl -n <namespace> get pods and kubectl describe the failing one (image name? port?).'
                  : health === 'Missing'
                    ? 'The objects are not in the cluster yet: sync the Application.'
                    : 'Read the Application status: kubectl -n argocd get application <name> -o yaml.'),
          }),
    });
  }

  if (o.revisionIsHead) {
    const revision = syncedRevision(app);
    if (!head) {
      out.push({
        ok: false,
        expected: 'the tracked branch can be read from the lab Git server',
        found: 'no repository URL in spec.source',
        message: `${where} names no repository`,
      });
    } else if ('error' in head) {
      out.push({
        ok: false,
        expected: `status.sync.revision equals the commit ${head.ref} points at`,
        found: `could not read ${head.ref}: ${head.error}`,
        message: `${where}: the tracked branch could not be read from the lab Git server (${head.error})`,
        hint: 'Is spec.source.repoURL the lab repository, and does the branch exist (git ls-remote <url>)?',
      });
    } else {
      const ok = revision === head.revision;
      out.push({
        ok,
        expected: `status.sync.revision = ${short(head.revision)} (${head.ref} in the lab Git server)`,
        found: `status.sync.revision = ${short(revision)}`,
        message: ok
          ? `${where} is at ${short(revision)}, the head of ${head.ref}`
          : `${where} is at ${short(revision)} but ${head.ref} is at ${short(head.revision)}.${context}`,
        ...(ok
          ? {}
          : {
              hint:
                o.hint ??
                'Argo CD has not seen your latest commit yet: did you push it (git push)? Argo CD polls every 20 s here; force it with kubectl -n argocd annotate application <name> argocd.argoproj.io/refresh=normal --overwrite.',
            }),
      });
    }
  }

  const errors = (app.status?.conditions ?? []).filter((c) => /Error$/.test(c.type));
  if (errors.length) {
    out.push({
      ok: false,
      expected: 'no error conditions on the Application',
      found: errors.map((c) => `${c.type}: ${c.message}`).join(' | '),
      message: `${where} reports ${errors.map((c) => c.type).join(', ')}: ${errors[0]?.message ?? ''}`,
      hint:
        o.hint ??
        'This is Argo CD explaining what it cannot do: fix what the message names (repository URL, path, manifest), push, and check again.',
    });
  }
  return out;
}

/** The Git ref to compare with: the option, else spec.source.targetRevision; HEAD and "" mean the default branch. */
export function trackedRef(o: Pick<ArgoAppOptions, 'branch'>, app: Application): string {
  const rev = o.branch ?? primarySource(app)?.targetRevision ?? 'HEAD';
  if (!rev || rev === 'HEAD') return 'HEAD';
  if (rev.startsWith('refs/')) return rev;
  return `refs/heads/${rev}`;
}

/**
 * The URL the terminal reaches a repository at: Applications name the Git server as pods see it
 * (DOJO_GIT_CLUSTER_URL, e.g. the kind network gateway); the checks run on the host (DOJO_GIT_URL).
 */
export function hostRepoUrl(repoURL: string, env: NodeJS.ProcessEnv): string {
  const cluster = env['DOJO_GIT_CLUSTER_URL'];
  const host = env['DOJO_GIT_URL'];
  if (cluster && host && repoURL.startsWith(cluster)) return host + repoURL.slice(cluster.length);
  return repoURL;
}

/** Parses `git ls-remote <url> <ref>` output: "<sha>\t<ref>" lines. */
export function parseLsRemote(stdout: string, ref: string): string | null {
  for (const line of stdout.split('\n')) {
    const [sha, name] = line.trim().split('\t');
    if (sha && name === ref && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return null;
}

function observeHead(ctx: CheckContext, url: string, ref: string): Promise<TrackedHead> {
  return ctx.observations.memo(`git-head:${url}:${ref}`, async () => {
    if (/^[0-9a-f]{40}$/.test(ref.replace('refs/heads/', ''))) return { ref, revision: ref.replace('refs/heads/', '') };
    const r = await execa('git', ['ls-remote', url, ref], {
      env: { ...toolEnv(ctx.env), GIT_TERMINAL_PROMPT: '0' },
      reject: false,
      stdin: 'ignore',
      timeout: 15_000,
      cancelSignal: ctx.signal,
    });
    if (r.exitCode !== 0) return { ref, error: String(r.stderr).trim().split('\n').pop() ?? `exit ${r.exitCode}` };
    const revision = parseLsRemote(String(r.stdout), ref);
    return revision ? { ref, revision } : { ref, error: `${url} has no ${ref}` };
  });
}

export const argocdApp = defineCheck({
  kind: 'argocd.app',
  title:
    'An Argo CD Application is synced and healthy at the head of its branch in the lab Git server, with the sync policy asked for.',
  schema,
  example: {
    kind: 'argocd.app',
    name: 'team-site',
    sync: 'Synced',
    health: 'Healthy',
    revisionIsHead: true,
    automated: true,
    selfHeal: true,
  },
  async run(o, ctx) {
    const raw = await observeObject(ctx, 'applications.argoproj.io', o.name, o.namespace);
    let head: TrackedHead | null = null;
    const parsed = raw ? applicationSchema.safeParse(raw) : null;
    if (o.revisionIsHead && parsed?.success) {
      const repo = primarySource(parsed.data)?.repoURL;
      if (repo) {
        if (!ctx.env['DOJO_GIT_URL']) {
          throw new CheckEnvironmentError(
            'expected DOJO_GIT_URL (the lab Git server) in the sandbox environment, found it unset.',
            'Start the lab sandbox, then check again.',
          );
        }
        head = await observeHead(ctx, hostRepoUrl(repo, ctx.env), trackedRef(o, parsed.data));
      }
    }
    return judgeArgoApp(o, raw, head);
  },
});
