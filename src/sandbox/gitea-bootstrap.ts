/**
 * Sets up the internal developer platform on a started Gitea, idempotently (a restart finds it as
 * it was and only refreshes tokens, the webhook's URL and secret):
 *
 * - two accounts, neither an admin (an admin token can force-merge past branch protection):
 *   the learner `alex` (a developer of team payments) and the bot `platform-pipeline`;
 * - the organisation `platform` and its public repository `infra-requests`, seeded from the lab's
 *   starter (public: Argo CD and the checks read it without credentials);
 * - both accounts as writers (the learner pushes branches and merges; the pipeline posts statuses
 *   and comments);
 * - a webhook (push and pull request events, JSON, HMAC-signed with a per-sandbox secret) to the
 *   platform pipeline on loopback;
 * - branch protection on main: no direct pushes, merges only when the status `platform/pipeline`
 *   is success.
 *
 * Passwords and the webhook secret live in `<dataDir>/credentials.json` (0600); tokens are made
 * fresh on every start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';
import { GiteaApi } from './gitea-api.ts';
import type { StartedGitea } from './gitea.ts';
import { toolEnv } from './which.ts';

export const PLATFORM_ORG = 'platform';
export const PLATFORM_REPO = 'infra-requests';
export const LEARNER = 'alex';
export const PIPELINE_USER = 'platform-pipeline';
/** The status branch protection requires: the pipeline's overall verdict. */
export const PIPELINE_CONTEXT = 'platform/pipeline';

const credentialsSchema = z.object({
  learnerPassword: z.string().min(12),
  pipelinePassword: z.string().min(12),
  webhookSecret: z.string().min(32),
});
export type PlatformCredentials = z.infer<typeof credentialsSchema>;

export interface PlatformAccess {
  repoUrl: string;
  owner: string;
  repo: string;
  learner: { username: string; password: string; token: string };
  pipeline: { username: string; token: string };
  webhookSecret: string;
}

async function loadCredentials(file: string): Promise<PlatformCredentials> {
  if (existsSync(file)) {
    const parsed = credentialsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) return parsed.data;
  }
  const made = {
    learnerPassword: randomBytes(12).toString('base64url'),
    pipelinePassword: randomBytes(18).toString('base64url'),
    webhookSecret: randomBytes(32).toString('hex'),
  };
  await writeFile(file, JSON.stringify(made, null, 2), { mode: 0o600 });
  return made;
}

async function ensureUser(admin: GiteaApi, username: string, password: string, fullName: string): Promise<void> {
  const r = await admin.post(
    '/admin/users',
    {
      username,
      password,
      email: `${username}@northwind.example`,
      full_name: fullName,
      must_change_password: false,
      send_notify: false,
    },
    [422],
  );
  if (r.status === 422) {
    // Already there (a restart): make sure the password is the one we keep.
    await admin.request('PATCH', `/admin/users/${username}`, {
      login_name: username,
      source_id: 0,
      password,
      must_change_password: false,
    });
  }
}

async function userToken(api: GiteaApi, username: string, password: string): Promise<string> {
  const basic = api.withAuth({ basic: { username, password } });
  const name = `dojo-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const r = await basic.post<{ sha1: string }>(`/users/${username}/tokens`, {
    name,
    scopes: ['write:repository', 'write:issue', 'read:user', 'read:organization'],
  });
  return r.data.sha1;
}

async function seedRepository(repoUrl: string, adminToken: string, starter: string): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dojo-platform-seed-'));
  try {
    await cp(starter, tmp, { recursive: true });
    const git = (...args: string[]) =>
      execa('git', args, {
        cwd: tmp,
        env: {
          ...toolEnv(),
          GIT_TERMINAL_PROMPT: '0',
          GIT_AUTHOR_NAME: 'Platform Team',
          GIT_AUTHOR_EMAIL: 'platform@northwind.example',
          GIT_COMMITTER_NAME: 'Platform Team',
          GIT_COMMITTER_EMAIL: 'platform@northwind.example',
        },
        stdin: 'ignore',
      });
    await git('init', '--quiet', '--initial-branch=main');
    await git('add', '-A');
    await git('commit', '--quiet', '-m', 'Platform: request templates, policies and the team-namespace chart');
    const url = new URL(repoUrl);
    url.username = 'dojo-admin';
    url.password = adminToken;
    await git('push', '--quiet', url.toString(), 'main:main');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface BootstrapOptions {
  gitea: StartedGitea;
  dataDir: string;
  /** The lab's starter: the repository's first commit. */
  starter: string;
  /** Where Gitea delivers push and pull-request events (the pipeline's listener). */
  webhookUrl: string;
}

export async function bootstrapPlatform(o: BootstrapOptions): Promise<PlatformAccess> {
  const creds = await loadCredentials(path.join(o.dataDir, 'credentials.json'));
  const admin = new GiteaApi(o.gitea.url, { token: o.gitea.adminToken });
  await ensureUser(admin, LEARNER, creds.learnerPassword, 'Alex Kim (team payments)');
  await ensureUser(admin, PIPELINE_USER, creds.pipelinePassword, 'Platform pipeline');
  await admin.post('/orgs', { username: PLATFORM_ORG, full_name: 'Platform team', visibility: 'public' }, [422]);
  const owner = PLATFORM_ORG;
  const repo = PLATFORM_REPO;
  await admin.post(
    `/orgs/${owner}/repos`,
    {
      name: repo,
      private: false,
      auto_init: false,
      default_branch: 'main',
      description: 'Infrastructure requests: buckets and team namespaces, by pull request',
    },
    [409],
  );
  for (const u of [LEARNER, PIPELINE_USER]) {
    await admin.request('PUT', `/repos/${owner}/${repo}/collaborators/${u}`, { permission: 'write' });
  }
  const repoUrl = `${o.gitea.url}${owner}/${repo}.git`;
  if (!(await admin.find(`/repos/${owner}/${repo}/branches/main`)))
    await seedRepository(repoUrl, o.gitea.adminToken, o.starter);

  // One webhook to the pipeline: found by its URL path, kept current (the port or secret may change).
  const hooks = z
    .array(z.object({ id: z.number(), config: z.object({ url: z.string() }).loose() }).loose())
    .parse(await admin.get(`/repos/${owner}/${repo}/hooks`));
  const hookBody = {
    type: 'gitea',
    active: true,
    events: ['push', 'pull_request', 'pull_request_sync'],
    branch_filter: '*',
    config: { url: o.webhookUrl, content_type: 'json', secret: creds.webhookSecret },
  };
  const mine = hooks.find((h) => h.config.url.endsWith('/hooks/gitea'));
  if (mine) await admin.request('PATCH', `/repos/${owner}/${repo}/hooks/${mine.id}`, hookBody);
  else await admin.post(`/repos/${owner}/${repo}/hooks`, hookBody);

  if (!(await admin.find(`/repos/${owner}/${repo}/branch_protections/main`))) {
    await admin.post(`/repos/${owner}/${repo}/branch_protections`, {
      rule_name: 'main',
      enable_push: false,
      enable_status_check: true,
      status_check_contexts: [PIPELINE_CONTEXT],
      required_approvals: 0,
      block_on_outdated_branch: false,
    });
  }
  const api = new GiteaApi(o.gitea.url);
  const [learnerToken, pipelineToken] = await Promise.all([
    userToken(api, LEARNER, creds.learnerPassword),
    userToken(api, PIPELINE_USER, creds.pipelinePassword),
  ]);
  return {
    repoUrl,
    owner,
    repo,
    learner: { username: LEARNER, password: creds.learnerPassword, token: learnerToken },
    pipeline: { username: PIPELINE_USER, token: pipelineToken },
    webhookSecret: creds.webhookSecret,
  };
}

/**
 * Makes the workspace a clone of the platform repository pushing as the learner: origin without
 * credentials in its URL (`git remote -v` shows no secret), a credential store file in the
 * sandbox's data folder holding the learner's token, and the learner's name for commits.
 */
export async function linkPlatformWorkspace(
  workspace: string,
  access: PlatformAccess,
  credentialFile: string,
): Promise<void> {
  const url = new URL(access.repoUrl);
  const withToken = new URL(access.repoUrl);
  withToken.username = access.learner.username;
  withToken.password = access.learner.token;
  await writeFile(
    credentialFile,
    `${withToken.origin.replace('://', `://${access.learner.username}:${access.learner.token}@`)}\n`,
    { mode: 0o600 },
  );
  const git = (...args: string[]) =>
    execa('git', args, {
      cwd: workspace,
      env: { ...toolEnv(), GIT_TERMINAL_PROMPT: '0' },
      reject: false,
      stdin: 'ignore',
    });
  if (!existsSync(path.join(workspace, '.git'))) {
    await git('init', '--quiet', '--initial-branch=main');
    await git('remote', 'add', 'origin', url.toString());
    await git('config', 'credential.helper', `store --file=${credentialFile}`);
    const fetched = await git('fetch', '--quiet', 'origin', 'main');
    if (fetched.exitCode === 0) {
      await git('reset', '--quiet', 'origin/main');
      await git('branch', '--quiet', '--set-upstream-to=origin/main', 'main');
    }
  } else {
    await git('remote', 'set-url', 'origin', url.toString());
    await git('config', 'credential.helper', `store --file=${credentialFile}`);
  }
  await git('config', 'user.name', 'Alex Kim');
  await git('config', 'user.email', 'alex@northwind.example');
}
