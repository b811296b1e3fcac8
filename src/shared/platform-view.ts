/**
 * The platform pipeline's run records and the lab page's view of the platform: shared by the
 * pipeline (which writes one JSON file per run), the runner route that serves them with the
 * repository's pull requests, the page component that shows them, and the `platform.pipelineRun`
 * check. Imports nothing of ours.
 */
import { z } from 'zod';

export const stageStatuses = ['pending', 'running', 'success', 'failure', 'skipped', 'error'] as const;
export type StageStatus = (typeof stageStatuses)[number];

export const policyVerdictSchema = z.object({
  /** The Rego package, e.g. kubernetes.namespaces. */
  policy: z.string(),
  ok: z.boolean(),
  messages: z.array(z.string()),
});
export type PolicyVerdict = z.infer<typeof policyVerdictSchema>;

export const stageSchema = z.object({
  /** Stable id, also the status context: platform/<name>. */
  name: z.string(),
  title: z.string(),
  status: z.enum(stageStatuses),
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** One line: what happened. */
  summary: z.string().default(''),
  /** The commands run and their output (the last 20,000 characters). */
  log: z.string().default(''),
  verdicts: z.array(policyVerdictSchema).optional(),
  /** Attempts made (apply retries on a held lock or a transient error). */
  attempts: z.number().optional(),
});
export type PipelineStage = z.infer<typeof stageSchema>;

export const planSummarySchema = z.object({
  add: z.number(),
  change: z.number(),
  destroy: z.number(),
  resources: z.array(z.object({ address: z.string(), actions: z.array(z.string()) })),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

export const pipelineRunSchema = z.object({
  id: z.number().int().positive(),
  /** pull_request: validation of a pull request's head; push: what main got after a merge (apply, deploy). */
  trigger: z.enum(['pull_request', 'push']),
  pr: z.number().optional(),
  prTitle: z.string().optional(),
  sha: z.string(),
  ref: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  result: z.enum(['running', 'success', 'failure', 'error']),
  stages: z.array(stageSchema),
  plan: planSummarySchema.optional(),
  /** Whether this run applied Terraform (only push runs on main do). */
  applied: z.boolean().default(false),
  /** Requests (files) this run validated or deployed. */
  requests: z.array(z.string()).default([]),
});
export type PipelineRun = z.infer<typeof pipelineRunSchema>;

export const pullRequestViewSchema = z.object({
  number: z.number(),
  title: z.string(),
  state: z.enum(['open', 'closed', 'merged']),
  author: z.string(),
  url: z.string(),
  headSha: z.string(),
  mergeable: z.boolean(),
  statuses: z.array(z.object({ context: z.string(), state: z.string(), description: z.string() })),
  /** The pipeline's comment (Markdown), if posted. */
  comment: z.string().nullable(),
});
export type PullRequestView = z.infer<typeof pullRequestViewSchema>;

export const platformViewSchema = z.object({
  lab: z.string(),
  state: z.enum(['stopped', 'running', 'error']),
  giteaUrl: z.string().optional(),
  repoUrl: z.string().optional(),
  webUi: z.boolean().optional(),
  pullRequests: z.array(pullRequestViewSchema),
  runs: z.array(pipelineRunSchema),
  readAt: z.string(),
  error: z.string().optional(),
});
export type PlatformView = z.infer<typeof platformViewSchema>;

/** The comment's first line, by which the pipeline finds its own comment to edit in place. */
export const PIPELINE_COMMENT_MARKER = '<!-- gitops-dojo platform pipeline -->';
