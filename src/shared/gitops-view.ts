/**
 * The lab page's own live view of Argo CD: what `GET /api/labs/:lab/gitops` answers. Argo CD's
 * web UI needs its frontend, which the process build cannot contain (the Go module ships only
 * placeholders), so the page shows the Applications itself, read from the real objects: sync,
 * health, revision, the resource tree, the last operation and the history. The same view works on
 * kind, next to Argo CD's own UI.
 *
 * `applicationView` is pure (tests feed it captured Applications); shared by runner and browser.
 */
import { z } from 'zod';

export const appResourceSchema = z.object({
  group: z.string().default(''),
  kind: z.string(),
  name: z.string(),
  namespace: z.string().default(''),
  status: z.string().default(''),
  health: z.string().default(''),
});

export const appViewSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  project: z.string(),
  /** The destination cluster: its name, else its server URL. */
  destination: z.string(),
  destinationNamespace: z.string(),
  repoURL: z.string(),
  path: z.string(),
  targetRevision: z.string(),
  automated: z.boolean(),
  selfHeal: z.boolean(),
  prune: z.boolean(),
  sync: z.string(),
  /** The commit the app is synced to (compared with Git's head), or "". */
  revision: z.string(),
  health: z.string(),
  healthMessage: z.string(),
  images: z.array(z.string()),
  resources: z.array(appResourceSchema),
  operation: z
    .object({
      phase: z.string(),
      message: z.string(),
      startedAt: z.string(),
      finishedAt: z.string(),
      /** "automated" (auto-sync, self-heal) or the user who asked. */
      initiatedBy: z.string(),
      revision: z.string(),
    })
    .nullable(),
  history: z.array(z.object({ id: z.number(), revision: z.string(), deployedAt: z.string(), initiatedBy: z.string() })),
  conditions: z.array(z.object({ type: z.string(), message: z.string() })),
  /** The ApplicationSet that generated it, if any. */
  generatedBy: z.string().nullable(),
});
export type AppView = z.infer<typeof appViewSchema>;

export const gitopsViewSchema = z.object({
  lab: z.string(),
  /** "stopped" when the lab's sandbox does not run (nothing to read). */
  state: z.enum(['running', 'stopped', 'error']),
  applications: z.array(appViewSchema),
  readAt: z.string(),
  error: z.string().optional(),
});
export type GitopsView = z.infer<typeof gitopsViewSchema>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Summarises an argoproj.io/v1alpha1 Application object for the page. Tolerant of missing fields. */
export function applicationView(app: unknown): AppView {
  const a = obj(app);
  const meta = obj(a['metadata']);
  const spec = obj(a['spec']);
  const status = obj(a['status']);
  const source = obj(spec['source'] ?? arr(spec['sources'])[0]);
  const dest = obj(spec['destination']);
  const automated = obj(obj(spec['syncPolicy'])['automated']);
  const hasAutomated = 'automated' in obj(spec['syncPolicy']) && obj(spec['syncPolicy'])['automated'] !== null;
  const sync = obj(status['sync']);
  const health = obj(status['health']);
  const op = obj(status['operationState']);
  const opInit = obj(obj(op['operation'])['initiatedBy']);
  const owner = arr(meta['ownerReferences'])
    .map(obj)
    .find((o) => o['kind'] === 'ApplicationSet');
  const initiated = (i: Record<string, unknown>) =>
    i['automated'] === true ? 'automated' : str(i['username']) || 'unknown';
  return {
    name: str(meta['name']),
    namespace: str(meta['namespace']),
    project: str(spec['project']) || 'default',
    destination: str(dest['name']) || str(dest['server']),
    destinationNamespace: str(dest['namespace']),
    repoURL: str(source['repoURL']),
    path: str(source['path']) || str(source['chart']),
    targetRevision: str(source['targetRevision']) || 'HEAD',
    automated: hasAutomated,
    selfHeal: automated['selfHeal'] === true,
    prune: automated['prune'] === true,
    sync: str(sync['status']) || 'Unknown',
    revision: str(sync['revision']),
    health: str(health['status']) || 'Unknown',
    healthMessage: str(health['message']),
    images: arr(obj(status['summary'])['images']).map(str).filter(Boolean),
    resources: arr(status['resources']).map((r) => {
      const o = obj(r);
      return {
        group: str(o['group']),
        kind: str(o['kind']),
        name: str(o['name']),
        namespace: str(o['namespace']),
        status: str(o['status']),
        health: str(obj(o['health'])['status']),
      };
    }),
    operation: Object.keys(op).length
      ? {
          phase: str(op['phase']),
          message: str(op['message']),
          startedAt: str(op['startedAt']),
          finishedAt: str(op['finishedAt']),
          initiatedBy: initiated(opInit),
          revision: str(obj(op['syncResult'])['revision']),
        }
      : null,
    history: arr(status['history'])
      .map((h) => {
        const o = obj(h);
        return {
          id: typeof o['id'] === 'number' ? o['id'] : 0,
          revision: str(o['revision']),
          deployedAt: str(o['deployedAt']),
          initiatedBy: initiated(obj(o['initiatedBy'])),
        };
      })
      .reverse(),
    conditions: arr(status['conditions']).map((c) => ({ type: str(obj(c)['type']), message: str(obj(c)['message']) })),
    generatedBy: owner ? str(owner['name']) : null,
  };
}
