/**
 * Tells Argo CD about a push the way GitHub would: a signed `push` event to argocd-server's
 * /api/webhook. Argo CD then refreshes every Application whose repoURL matches the repository's
 * URL at once, instead of at its next poll. This is the real mechanism (the interview question
 * "polling vs webhooks"), and it is why a commit reaches a process sandbox within seconds.
 *
 * The payload carries what Argo CD reads from a GitHub push (util/webhook/webhook.go): the ref,
 * before/after, the repository's URL and default branch, and the files each commit touched. It is
 * signed with HMAC-SHA256 (X-Hub-Signature-256) using `webhook.github.secret` from argocd-secret.
 */
import { createHmac } from 'node:crypto';
import { execa } from 'execa';
import createDebug from 'debug';
import type { RefUpdate, StartedGitServer } from './git-server.ts';
import { toolEnv } from './which.ts';

const debug = createDebug('dojo:sandbox:argocd-webhook');

export interface GitHubPushPayload {
  ref: string;
  before: string;
  after: string;
  repository: { html_url: string; clone_url: string; default_branch: string; name: string };
  commits: { id: string; added: string[]; modified: string[]; removed: string[] }[];
}

/** Files changed between two commits of a bare repository, by change type (all empty when unknown). */
export async function changedFiles(
  repoDir: string,
  before: string,
  after: string,
): Promise<{ added: string[]; modified: string[]; removed: string[] }> {
  const out = { added: [] as string[], modified: [] as string[], removed: [] as string[] };
  if (/^0+$/.test(after)) return out;
  const range = /^0+$/.test(before) ? [after] : [before, after];
  const r = await execa(
    'git',
    [
      '--git-dir',
      repoDir,
      'diff',
      '--name-status',
      '--no-renames',
      ...(range.length === 1 ? ['--root', ...range] : range),
    ],
    {
      env: { ...toolEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      reject: false,
      stdin: 'ignore',
    },
  );
  for (const line of String(r.stdout).split('\n')) {
    const [status, file] = line.split('\t');
    if (!status || !file) continue;
    if (status.startsWith('A')) out.added.push(file);
    else if (status.startsWith('D')) out.removed.push(file);
    else out.modified.push(file);
  }
  return out;
}

export function pushPayload(
  repoUrl: string,
  update: RefUpdate,
  files: { added: string[]; modified: string[]; removed: string[] },
  defaultBranch = 'main',
): GitHubPushPayload {
  const name =
    repoUrl
      .replace(/\.git$/, '')
      .split('/')
      .pop() ?? 'repo';
  return {
    ref: update.ref,
    before: update.before,
    after: update.after,
    repository: { html_url: repoUrl.replace(/\.git$/, ''), clone_url: repoUrl, default_branch: defaultBranch, name },
    commits: [{ id: update.after, ...files }],
  };
}

export function signPayload(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs one push event; resolves with Argo CD's HTTP status (never throws: a missed webhook falls back to polling). */
export async function sendPushWebhook(webhookUrl: string, payload: GitHubPushPayload, secret: string): Promise<number> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `dojo-${Date.now()}`,
        'x-hub-signature-256': signPayload(body, secret),
      },
      body,
      signal: AbortSignal.timeout(5000),
    });
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * Announces every branch push to the Git server as a webhook to Argo CD, so a commit is picked up
 * within seconds. Returns the unsubscribe function.
 */
export function announcePushes(git: StartedGitServer, webhook: { url: string; secret: string } | null): () => void {
  if (!webhook) return () => undefined;
  return git.onPush((event) => {
    void (async () => {
      for (const update of event.updates) {
        if (!update.ref.startsWith('refs/heads/')) continue;
        const files = await changedFiles(git.repoDir(event.repo), update.before, update.after);
        const status = await sendPushWebhook(
          webhook.url,
          pushPayload(git.repoUrl(event.repo), update, files),
          webhook.secret,
        );
        debug('webhook for %s %s -> HTTP %d', event.repo, update.ref, status);
      }
    })();
  });
}
