/**
 * `GET /api/labs/:lab/platform`: the platform of a running lab sandbox (sandboxes/platform.ts) for
 * the page's Platform panel: the repository's pull requests with their head's statuses and the
 * pipeline's comment (read from Gitea's API with the sandbox's own token, as the checks read them),
 * and the pipeline's runs with every stage's log (its run records). A stopped sandbox answers state
 * "stopped"; a Gitea that does not answer, state "error" with the reason (runs are still shown).
 */
import { PIPELINE_COMMENT_MARKER, type PlatformView, type PullRequestView } from '../../shared/platform-view.ts';
import { GiteaApi } from '../../sandbox/gitea-api.ts';
import { readRuns } from '../../sandbox/platform-pipeline.ts';
import { labIdParam, sendJson } from '../http-helpers.ts';
import type { Route } from '../runner-server.ts';
import type { SessionManager } from '../session-manager.ts';

export async function readPullRequests(
  api: GiteaApi,
  owner: string,
  repo: string,
  limit = 10,
): Promise<PullRequestView[]> {
  const pulls = (await api.pullRequests(owner, repo, 'all')).slice(0, limit);
  return Promise.all(
    pulls.map(async (p) => {
      const [status, comments] = await Promise.all([
        api.combinedStatus(owner, repo, p.head.sha),
        api.comments(owner, repo, p.number),
      ]);
      return {
        number: p.number,
        title: p.title,
        state: p.merged ? 'merged' : p.state,
        author: p.user?.login ?? '',
        url: p.html_url,
        headSha: p.head.sha,
        mergeable: p.mergeable,
        statuses: (status.statuses ?? []).map((s) => ({
          context: s.context,
          state: s.status,
          description: s.description,
        })),
        comment:
          comments
            .find((c) => c.body.startsWith(PIPELINE_COMMENT_MARKER))
            ?.body.slice(PIPELINE_COMMENT_MARKER.length)
            .trim() ?? null,
      } satisfies PullRequestView;
    }),
  );
}

export function platformRoutes(sessions: SessionManager): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/labs/:lab/platform',
      handler: async (ctx) => {
        const lab = labIdParam(ctx.params);
        const env = sessions.environment(lab);
        const readAt = new Date().toISOString();
        const giteaUrl = env?.['GITEA_URL'];
        if (!env || !giteaUrl) {
          const view: PlatformView = { lab, state: 'stopped', pullRequests: [], runs: [], readAt };
          sendJson(ctx.res, 200, view);
          return;
        }
        const [owner = '', repo = ''] = (env['DOJO_PLATFORM_REPO'] ?? 'platform/infra-requests').split('/');
        const runs = env['DOJO_PLATFORM_RUNS'] ? await readRuns(env['DOJO_PLATFORM_RUNS'], 15) : [];
        const base = { lab, giteaUrl, repoUrl: `${giteaUrl}/${owner}/${repo}`, runs, readAt };
        try {
          const api = new GiteaApi(giteaUrl, env['GITEA_TOKEN'] ? { token: env['GITEA_TOKEN'] } : {});
          const view: PlatformView = {
            ...base,
            state: 'running',
            pullRequests: await readPullRequests(api, owner, repo),
          };
          sendJson(ctx.res, 200, view);
        } catch (err) {
          const view: PlatformView = {
            ...base,
            state: 'error',
            pullRequests: [],
            error: `Gitea did not answer: ${(err as Error).message}`,
          };
          sendJson(ctx.res, 200, view);
        }
      },
    },
  ];
}
