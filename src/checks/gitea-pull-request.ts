/**
 * `gitea.pullRequest`: a pull request on the lab's Gitea is in the state a step promises: open,
 * merged or closed; its head's status (by default the pipeline's verdict, `platform/pipeline`)
 * success or failure; the pipeline's comment saying what it should. The pull request is found by
 * a file it changes (and optionally words of its title), the most recently updated one winning,
 * so a learner who opened it from the web UI, `bin/pr` or curl passes alike.
 *
 * Observations come from Gitea's REST API (GITEA_URL, GITEA_TOKEN of the sandbox); the judge is
 * pure and unit-tested on answers captured from Gitea 1.27.3.
 */
import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { PIPELINE_COMMENT_MARKER } from '../shared/platform-view.ts';
import { GiteaApi, type CombinedStatus, type Comment, type PullRequest } from '../sandbox/gitea-api.ts';
import { checkBase } from './check-base.ts';
import { CheckEnvironmentError, defineCheck, type CheckContext } from './check-kind.ts';

const schema = strictFields({
  kind: z.literal('gitea.pullRequest'),
  repo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected "repo" as owner/name, e.g. platform/infra-requests' })
    .default('platform/infra-requests')
    .describe('The repository, owner/name (default platform/infra-requests).'),
  changes: z
    .string()
    .min(1)
    .describe('A file the pull request changes (added, modified or deleted), e.g. requests/payments/namespace.yaml.'),
  titleContains: z
    .string()
    .optional()
    .describe('Words its title must contain (case-insensitive), to tell apart two pull requests on one file.'),
  state: z
    .enum(['open', 'merged', 'closed', 'any'])
    .default('open')
    .describe('open, merged (closed by a merge), closed (without merging), or any.'),
  status: strictFields({
    context: z
      .string()
      .default('platform/pipeline')
      .describe('The status context, default platform/pipeline (the one branch protection requires).'),
    state: z.enum(['success', 'failure', 'error', 'pending']).describe('Its expected state on the head commit.'),
  })
    .optional()
    .describe('A commit status the head commit must carry.'),
  commentContains: z
    .array(z.string().min(1))
    .default([])
    .describe("Texts the pipeline's comment (the one it edits in place) must contain, e.g. a policy's message."),
  ...checkBase,
});
export type GiteaPullRequestOptions = z.output<typeof schema>;

/** What the check read from Gitea: every pull request with its files, head status and comments. */
export interface PullRequestEvidence {
  pulls: PullRequest[];
  files: Record<number, string[]>;
  statuses: Record<number, CombinedStatus>;
  comments: Record<number, Comment[]>;
}

const stateOf = (p: PullRequest): 'open' | 'merged' | 'closed' =>
  p.merged ? 'merged' : p.state === 'open' ? 'open' : 'closed';

/** The pull request the options name: changes the file, title matches; the most recently updated first. Pure. */
export function selectPullRequest(o: GiteaPullRequestOptions, e: PullRequestEvidence): PullRequest[] {
  return e.pulls
    .filter((p) => (e.files[p.number] ?? []).includes(o.changes))
    .filter((p) => !o.titleContains || p.title.toLowerCase().includes(o.titleContains.toLowerCase()))
    .sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? '') || b.number - a.number);
}

/** The verdict. Pure: tests feed it answers captured from Gitea. */
export function judgePullRequest(o: GiteaPullRequestOptions, e: PullRequestEvidence, webUrl: string): Assertion[] {
  const what = `a pull request to ${o.repo} changing ${o.changes}${o.titleContains ? ` titled "…${o.titleContains}…"` : ''}`;
  const candidates = selectPullRequest(o, e);
  // With a state asked for, prefer a pull request in that state (an old closed one must not hide the open one).
  const pr = (o.state === 'any' ? candidates[0] : candidates.find((p) => stateOf(p) === o.state)) ?? candidates[0];
  if (!pr) {
    return [
      {
        ok: false,
        expected: `${what} exists`,
        found: e.pulls.length
          ? `${e.pulls.length} pull request(s), none changing ${o.changes}: ${e.pulls.map((p) => `#${p.number} "${p.title}"`).join(', ')}`
          : 'no pull requests at all',
        message: `No pull request changes ${o.changes} yet`,
        hint:
          o.hint ??
          'Commit the file on a branch and open a pull request: bin/pr open "Title" (or push the branch and use the web UI).',
      },
    ];
  }
  const name = `pull request #${pr.number} "${pr.title}"`;
  const out: Assertion[] = [
    {
      ok: true,
      expected: `${what} exists`,
      found: `#${pr.number}`,
      message: `Found ${name} (${webUrl}${o.repo}/pulls/${pr.number})`,
    },
  ];
  if (o.state !== 'any') {
    const state = stateOf(pr);
    const ok = state === o.state;
    out.push({
      ok,
      expected: `${name} is ${o.state}`,
      found: state,
      message: ok ? `${name} is ${state}` : `${name} is ${state}, expected ${o.state}`,
      ...(ok
        ? {}
        : {
            hint:
              o.hint ??
              (o.state === 'merged'
                ? 'Merge it once platform/pipeline is green: bin/pr merge, or the Merge button in Gitea.'
                : o.state === 'open'
                  ? 'This step works on an open pull request: open one (bin/pr open), or reopen it in Gitea.'
                  : 'Close it without merging in Gitea.'),
          }),
    });
  }
  if (o.status) {
    const statuses = e.statuses[pr.number]?.statuses ?? [];
    const s = statuses.find((x) => x.context === o.status?.context);
    const ok = s?.status === o.status.state;
    out.push({
      ok,
      expected: `${o.status.context} is ${o.status.state} on ${pr.head.sha.slice(0, 7)} (the head of ${name})`,
      found: s
        ? `${s.status}: ${s.description}`
        : `no ${o.status.context} status (statuses: ${statuses.map((x) => `${x.context} ${x.status}`).join(', ') || 'none'})`,
      message: ok
        ? `${o.status.context} is ${s.status} on the head of ${name}: ${s.description}`
        : `${o.status.context} on the head of ${name} is ${s ? s.status : 'missing'}, expected ${o.status.state}`,
      ...(ok
        ? {}
        : {
            hint:
              o.hint ??
              (!s || s.status === 'pending'
                ? 'The pipeline has not finished judging the latest push yet (bin/pr wait), or its webhook did not arrive: see the Platform panel.'
                : o.status.state === 'success'
                  ? "Read the pipeline's comment on the pull request (bin/pr show): fix what the failing stage names, commit, and push again to the same pull request."
                  : 'The pull request passes every policy: this step wants one a policy blocks.'),
          }),
    });
  }
  if (o.commentContains.length) {
    const comment = (e.comments[pr.number] ?? []).find((c) => c.body.startsWith(PIPELINE_COMMENT_MARKER));
    for (const text of o.commentContains) {
      const ok = !!comment && comment.body.toLowerCase().includes(text.toLowerCase());
      out.push({
        ok,
        expected: `the pipeline's comment on ${name} contains "${text}"`,
        found: comment
          ? comment.body
              .split('\n')
              .filter((l) => l.includes('❌') || l.startsWith('  - '))
              .join(' ')
              .slice(0, 400) ||
            comment.body.split('\n')[1] ||
            ''
          : 'no comment from the pipeline',
        message: ok
          ? `The pipeline's comment says "${text}"`
          : `The pipeline's comment on ${name} does not say "${text}"`,
        ...(ok
          ? {}
          : {
              hint:
                o.hint ??
                'The comment is rewritten after every run: push the change this step asks for, wait for the run (bin/pr wait), then check again.',
            }),
      });
    }
  }
  return out;
}

async function gather(
  o: GiteaPullRequestOptions,
  ctx: CheckContext,
): Promise<{ evidence: PullRequestEvidence; web: string }> {
  const url = ctx.env['GITEA_URL'];
  if (!url)
    throw new CheckEnvironmentError(
      "expected GITEA_URL (the lab's Gitea) in the sandbox environment, found it unset.",
      'Start the lab sandbox, then check again.',
    );
  const api = new GiteaApi(url, ctx.env['GITEA_TOKEN'] ? { token: ctx.env['GITEA_TOKEN'] } : {});
  const [owner = '', repo = ''] = o.repo.split('/');
  return ctx.observations.memo(`gitea-prs:${url}:${o.repo}`, async () => {
    let pulls: PullRequest[];
    try {
      pulls = await api.pullRequests(owner, repo, 'all');
    } catch (err) {
      throw new CheckEnvironmentError(
        `could not read the pull requests of ${o.repo} from Gitea at ${url}: ${(err as Error).message}`,
        'Is the sandbox running? The sandbox panel says whether Gitea is up.',
      );
    }
    const evidence: PullRequestEvidence = { pulls, files: {}, statuses: {}, comments: {} };
    await Promise.all(
      pulls.map(async (p) => {
        evidence.files[p.number] = await api.pullRequestFiles(owner, repo, p.number);
        evidence.statuses[p.number] = await api.combinedStatus(owner, repo, p.head.sha);
        evidence.comments[p.number] = await api.comments(owner, repo, p.number);
      }),
    );
    return { evidence, web: url.endsWith('/') ? url : `${url}/` };
  });
}

export const giteaPullRequest = defineCheck({
  kind: 'gitea.pullRequest',
  title:
    "A pull request on the lab's Gitea: open, merged or closed; its head commit's status; what the pipeline's comment says.",
  schema,
  example: {
    kind: 'gitea.pullRequest',
    changes: 'requests/payments/namespace.yaml',
    state: 'open',
    status: { state: 'failure' },
    commentContains: ['at most 8 CPUs'],
  },
  async run(o, ctx) {
    const { evidence, web } = await gather(o, ctx);
    return judgePullRequest(o, evidence, web);
  },
});
