/**
 * `platform.pipelineRun`: the platform pipeline ran as a step promises: e.g. the run on main after
 * a merge applied Terraform and synced the namespaces, or a pull request's run was blocked by the
 * policies. Read from the pipeline's own run records (DOJO_PLATFORM_RUNS, one JSON file per run,
 * the same records the lab page shows); the judge is pure.
 */
import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { stageStatuses, type PipelineRun } from '../shared/platform-view.ts';
import { readRuns } from '../sandbox/platform-pipeline.ts';
import { checkBase } from './check-base.ts';
import { CheckEnvironmentError, defineCheck } from './check-kind.ts';

const schema = strictFields({
  kind: z.literal('platform.pipelineRun'),
  trigger: z
    .enum(['pull_request', 'push'])
    .describe('pull_request: a run on a pull request; push: the run on main after a merge (apply and deploy).'),
  result: z.enum(['success', 'failure', 'error']).default('success').describe("The run's result (default success)."),
  applied: z.boolean().optional().describe('Whether the run applied Terraform (only runs on main apply).'),
  stage: strictFields({
    name: z
      .string()
      .describe(
        'Stage id: checkout, render, kubeconform, policy-manifests, fmt, init, validate, plan, policy-plan, apply, deploy.',
      ),
    status: z.enum(stageStatuses).describe('Its expected status.'),
  })
    .optional()
    .describe('A stage the run must have, with its status.'),
  request: z
    .string()
    .optional()
    .describe('A request file the run validated or deployed, e.g. requests/payments/namespace.yaml.'),
  ...checkBase,
});
export type PipelineRunOptions = z.output<typeof schema>;

function matches(o: PipelineRunOptions, r: PipelineRun): boolean {
  if (r.trigger !== o.trigger || r.result !== o.result) return false;
  if (o.applied !== undefined && r.applied !== o.applied) return false;
  if (o.stage && !r.stages.some((s) => s.name === o.stage?.name && s.status === o.stage.status)) return false;
  if (o.request && !r.requests.includes(o.request)) return false;
  return true;
}

const describeRun = (r: PipelineRun) =>
  `#${r.id} ${r.trigger}${r.pr ? ` (pull request #${r.pr})` : ''} on ${r.sha.slice(0, 7)}: ${r.result}; ${r.stages.map((s) => `${s.name} ${s.status}`).join(', ')}`;

/** Whether some run (newest first) matches. Pure. */
export function judgePipelineRun(o: PipelineRunOptions, runs: PipelineRun[]): Assertion[] {
  const want = [
    `a ${o.trigger === 'push' ? 'run on main' : 'pull request run'} with result ${o.result}`,
    o.applied !== undefined ? (o.applied ? 'that applied Terraform' : 'that applied nothing') : '',
    o.stage ? `with stage ${o.stage.name} ${o.stage.status}` : '',
    o.request ? `covering ${o.request}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const hit = runs.find((r) => matches(o, r));
  if (hit) return [{ ok: true, expected: want, found: describeRun(hit), message: `Pipeline run ${describeRun(hit)}` }];
  const same = runs.filter((r) => r.trigger === o.trigger);
  return [
    {
      ok: false,
      expected: want,
      found: same.length
        ? `newest ${o.trigger} run ${describeRun(same[0] as PipelineRun)}`
        : `no ${o.trigger} run yet (${runs.length} run(s) in all)`,
      message: `No pipeline run matches: ${want}`,
      hint:
        o.hint ??
        (o.trigger === 'push'
          ? 'The run on main starts when a pull request is merged: merge it (bin/pr merge), then watch the Platform panel.'
          : 'A pull request run starts on every push to a pull request: push again (bin/pr open) and watch the Platform panel.'),
    },
  ];
}

export const platformPipelineRun = defineCheck({
  kind: 'platform.pipelineRun',
  title:
    'A run of the platform pipeline (on a pull request, or on main after a merge) with the result, stages and apply the step asks for.',
  schema,
  example: {
    kind: 'platform.pipelineRun',
    trigger: 'push',
    result: 'success',
    stage: { name: 'deploy', status: 'success' },
  },
  async run(o, ctx) {
    const dir = ctx.env['DOJO_PLATFORM_RUNS'];
    if (!dir)
      throw new CheckEnvironmentError(
        "expected DOJO_PLATFORM_RUNS (the pipeline's run records) in the sandbox environment, found it unset.",
        'Start the lab sandbox (platform), then check again.',
      );
    const runs = await ctx.observations.memo(`pipeline-runs:${dir}`, () => readRuns(dir, 200));
    return judgePipelineRun(o, runs);
  },
});
