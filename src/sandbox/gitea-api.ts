/**
 * A small client for the parts of Gitea's REST API (v1, as served by 1.27) the platform uses:
 * users and tokens, organisations, repositories, webhooks, branch protection, pull requests,
 * commit statuses and comments. Answers the platform reads are parsed with zod (loose: Gitea adds
 * fields between releases); every error says which call failed, with Gitea's own message.
 */
import { z } from 'zod';

export class GiteaApiError extends Error {
  readonly status: number;
  constructor(method: string, apiPath: string, status: number, body: string) {
    let detail = body.trim();
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') detail = parsed.message;
    } catch {
      // not JSON: keep the text
    }
    super(`Gitea ${method} ${apiPath} answered ${status}: ${detail.slice(0, 300) || '(empty)'}`);
    this.name = 'GiteaApiError';
    this.status = status;
  }
}

const user = z.object({ login: z.string(), id: z.number().optional() }).loose();

export const commitStatusSchema = z
  .object({
    context: z.string(),
    // Gitea names the field "status" in answers (and "state" in requests).
    status: z.string(),
    description: z.string().default(''),
    target_url: z.string().default(''),
    updated_at: z.string().optional(),
  })
  .loose();
export type CommitStatus = z.infer<typeof commitStatusSchema>;

export const combinedStatusSchema = z
  .object({ state: z.string(), sha: z.string(), statuses: z.array(commitStatusSchema).nullable().default([]) })
  .loose();
export type CombinedStatus = z.infer<typeof combinedStatusSchema>;

export const pullRequestSchema = z
  .object({
    number: z.number(),
    title: z.string(),
    body: z.string().default(''),
    state: z.enum(['open', 'closed']),
    merged: z.boolean().default(false),
    merged_at: z.string().nullable().optional(),
    merge_commit_sha: z.string().nullable().optional(),
    mergeable: z.boolean().default(false),
    html_url: z.string().default(''),
    user: user.nullable().optional(),
    head: z.object({ ref: z.string(), sha: z.string() }).loose(),
    base: z.object({ ref: z.string(), sha: z.string() }).loose(),
    updated_at: z.string().optional(),
  })
  .loose();
export type PullRequest = z.infer<typeof pullRequestSchema>;

export const commentSchema = z
  .object({ id: z.number(), body: z.string(), user: user.nullable().optional(), updated_at: z.string().optional() })
  .loose();
export type Comment = z.infer<typeof commentSchema>;

export const changedFileSchema = z.object({ filename: z.string(), status: z.string().default('') }).loose();

export const branchSchema = z
  .object({ name: z.string(), commit: z.object({ id: z.string(), message: z.string().default('') }).loose() })
  .loose();

export interface GiteaAuth {
  token?: string;
  basic?: { username: string; password: string };
}

export class GiteaApi {
  readonly baseUrl: string;
  private readonly auth: GiteaAuth;

  /** `baseUrl` is Gitea's root URL (with or without the trailing slash). */
  constructor(baseUrl: string, auth: GiteaAuth = {}) {
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.auth = auth;
  }

  withAuth(auth: GiteaAuth): GiteaApi {
    return new GiteaApi(this.baseUrl, auth);
  }

  async request<T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
    okStatuses: number[] = [],
  ): Promise<{ status: number; data: T }> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.auth.token) headers['Authorization'] = `token ${this.auth.token}`;
    else if (this.auth.basic) {
      headers['Authorization'] =
        `Basic ${Buffer.from(`${this.auth.basic.username}:${this.auth.basic.password}`).toString('base64')}`;
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}api/v1${apiPath}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok && !okStatuses.includes(res.status)) throw new GiteaApiError(method, apiPath, res.status, text);
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    return { status: res.status, data: data as T };
  }

  async get<T = unknown>(apiPath: string): Promise<T> {
    return (await this.request<T>('GET', apiPath)).data;
  }

  /** GET that answers null on 404. */
  async find<T = unknown>(apiPath: string): Promise<T | null> {
    const r = await this.request<T>('GET', apiPath, undefined, [404]);
    return r.status === 404 ? null : r.data;
  }

  post<T = unknown>(apiPath: string, body: unknown, okStatuses: number[] = []): Promise<{ status: number; data: T }> {
    return this.request<T>('POST', apiPath, body, okStatuses);
  }

  async pullRequests(owner: string, repo: string, state: 'open' | 'closed' | 'all' = 'all'): Promise<PullRequest[]> {
    const data = await this.get(`/repos/${owner}/${repo}/pulls?state=${state}&limit=50&sort=recentupdate`);
    return z.array(pullRequestSchema).parse(data);
  }

  async pullRequest(owner: string, repo: string, n: number): Promise<PullRequest> {
    return pullRequestSchema.parse(await this.get(`/repos/${owner}/${repo}/pulls/${n}`));
  }

  async pullRequestFiles(owner: string, repo: string, n: number): Promise<string[]> {
    const data = await this.get(`/repos/${owner}/${repo}/pulls/${n}/files?limit=100`);
    return z
      .array(changedFileSchema)
      .parse(data)
      .map((f) => f.filename);
  }

  async combinedStatus(owner: string, repo: string, ref: string): Promise<CombinedStatus> {
    return combinedStatusSchema.parse(await this.get(`/repos/${owner}/${repo}/commits/${ref}/status?limit=50`));
  }

  async comments(owner: string, repo: string, issue: number): Promise<Comment[]> {
    return z.array(commentSchema).parse(await this.get(`/repos/${owner}/${repo}/issues/${issue}/comments`));
  }

  async setStatus(
    owner: string,
    repo: string,
    sha: string,
    s: {
      context: string;
      state: 'pending' | 'success' | 'error' | 'failure' | 'warning';
      description: string;
      target_url?: string;
    },
  ): Promise<void> {
    // Gitea limits descriptions to 255 characters.
    await this.post(`/repos/${owner}/${repo}/statuses/${sha}`, { ...s, description: s.description.slice(0, 250) });
  }

  /** Creates the comment that starts with `marker`, or edits it in place: one comment per pull request. */
  async upsertComment(owner: string, repo: string, issue: number, marker: string, body: string): Promise<number> {
    const mine = (await this.comments(owner, repo, issue)).find((c) => c.body.startsWith(marker));
    if (mine) {
      await this.request('PATCH', `/repos/${owner}/${repo}/issues/comments/${mine.id}`, { body });
      return mine.id;
    }
    const created = await this.post<{ id: number }>(`/repos/${owner}/${repo}/issues/${issue}/comments`, { body });
    return created.data.id;
  }

  async branch(owner: string, repo: string, name: string): Promise<z.infer<typeof branchSchema> | null> {
    const data = await this.find(`/repos/${owner}/${repo}/branches/${encodeURIComponent(name)}`);
    return data ? branchSchema.parse(data) : null;
  }
}
