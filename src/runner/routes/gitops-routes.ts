/**
 * `GET /api/labs/:lab/gitops`: the Argo CD Applications of a running lab sandbox, summarised for
 * the page's live view (src/shared/gitops-view.ts). Read with kubectl through the sandbox's own
 * KUBECONFIG, like the checks, so the view shows exactly what grading sees. A stopped sandbox
 * answers state "stopped" with no applications; a cluster that does not answer, state "error"
 * with kubectl's reason.
 */
import { applicationView, type GitopsView } from '../../shared/gitops-view.ts';
import { Kubectl, KubectlError } from '../../sandbox/kubectl.ts';
import { labIdParam, sendJson } from '../http-helpers.ts';
import type { Route } from '../runner-server.ts';
import type { SessionManager } from '../session-manager.ts';

export function gitopsRoutes(sessions: SessionManager): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/labs/:lab/gitops',
      handler: async (ctx) => {
        const lab = labIdParam(ctx.params);
        const env = sessions.environment(lab);
        const readAt = new Date().toISOString();
        const kubeconfig = env?.['KUBECONFIG'];
        if (!env || !kubeconfig) {
          const view: GitopsView = { lab, state: 'stopped', applications: [], readAt };
          sendJson(ctx.res, 200, view);
          return;
        }
        try {
          const kubectl = new Kubectl(kubeconfig, { env: { ...process.env, ...env } });
          const items = await kubectl.list('applications.argoproj.io', undefined, { timeoutMs: 8000 });
          const view: GitopsView = {
            lab,
            state: 'running',
            applications: items.map(applicationView).sort((a, b) => a.name.localeCompare(b.name)),
            readAt,
          };
          sendJson(ctx.res, 200, view);
        } catch (err) {
          const message =
            err instanceof KubectlError && err.problem === 'no-resource-type'
              ? 'Argo CD is not installed in this cluster yet (no Application type).'
              : (err as Error).message;
          const view: GitopsView = { lab, state: 'error', applications: [], readAt, error: message };
          sendJson(ctx.res, 200, view);
        }
      },
    },
  ];
}
