/**
 * gitea.pullRequest and platform.pipelineRun judged on answers captured from a real Gitea 1.27.3
 * (test/fixtures/captured/gitea/README.md), and the pipeline's pure parts: the webhook signature,
 * conftest's JSON, the plan summary, the comment, and kubeconform schemas from OpenAPI v3.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgePullRequest, giteaPullRequest, type PullRequestEvidence } from '../../src/checks/gitea-pull-request.ts';
import { judgePipelineRun, platformPipelineRun } from '../../src/checks/platform-pipeline-run.ts';
import { combinedStatusSchema, commentSchema, pullRequestSchema } from '../../src/sandbox/gitea-api.ts';
import {
  conftestVerdicts,
  giteaSignature,
  pipelineComment,
  signatureValid,
  summarisePlan,
} from '../../src/sandbox/platform-pipeline.ts';
import { schemaFileName, schemasFromOpenApi } from '../../src/sandbox/kube-schemas.ts';
import type { PipelineRun } from '../../src/shared/platform-view.ts';

const dir = path.resolve(import.meta.dirname, '..', 'fixtures', 'captured', 'gitea');
const load = (f: string): unknown => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));

function evidence(): PullRequestEvidence {
  const pulls = (load('pulls-all.json') as unknown[])
    .map((p) => pullRequestSchema.parse(p))
    .filter((p) => p.number <= 2);
  return {
    pulls,
    files: {
      1: ['charts/team-namespace/templates/limitrange.yaml', 'requests/payments/namespace.yaml'],
      2: (load('files-blocked.json') as { filename: string }[]).map((f) => f.filename),
    },
    statuses: {
      1: combinedStatusSchema.parse(load('status-green.json')),
      2: combinedStatusSchema.parse(load('status-blocked.json')),
    },
    comments: {
      1: (load('comments-green.json') as unknown[]).map((c) => commentSchema.parse(c)),
      2: (load('comments-blocked.json') as unknown[]).map((c) => commentSchema.parse(c)),
    },
  };
}
const opts = (o: Record<string, unknown>) => giteaPullRequest.schema.parse({ kind: 'gitea.pullRequest', ...o });

describe('gitea.pullRequest on captured Gitea answers', () => {
  it('passes a blocked pull request with the policy message, and names what differs otherwise', () => {
    const blocked = judgePullRequest(
      opts({
        changes: 'requests/search/namespace.yaml',
        status: { state: 'failure' },
        commentContains: ['at most 8 CPUs'],
      }),
      evidence(),
      'http://g/',
    );
    expect(blocked.every((a) => a.ok)).toBe(true);
    const wantGreen = judgePullRequest(
      opts({ changes: 'requests/search/namespace.yaml', status: { state: 'success' } }),
      evidence(),
      'http://g/',
    );
    const failed = wantGreen.find((a) => !a.ok);
    expect(failed?.found).toMatch(/^failure: run #\d+: Policies on manifests failed/);
    expect(failed?.hint).toMatch(/Read the pipeline's comment/);
  });

  it('tells merged from open, and finds nothing for a file no pull request changes', () => {
    expect(
      judgePullRequest(
        opts({ changes: 'requests/payments/namespace.yaml', state: 'merged' }),
        evidence(),
        'http://g/',
      ).every((a) => a.ok),
    ).toBe(true);
    const open = judgePullRequest(
      opts({ changes: 'requests/payments/namespace.yaml', state: 'open' }),
      evidence(),
      'http://g/',
    );
    expect(open.find((a) => !a.ok)?.found).toBe('merged');
    const none = judgePullRequest(opts({ changes: 'requests/ops/namespace.yaml' }), evidence(), 'http://g/');
    expect(none).toHaveLength(1);
    expect(none[0]?.ok).toBe(false);
    expect(none[0]?.found).toMatch(/#2 "Namespace for team search"/);
  });

  it('reads the comment the pipeline edits in place, not any comment', () => {
    const e = evidence();
    e.comments[2] = [{ id: 9, body: 'at most 8 CPUs, said a human' }];
    const r = judgePullRequest(
      opts({ changes: 'requests/search/namespace.yaml', commentContains: ['at most 8 CPUs'] }),
      e,
      'http://g/',
    );
    expect(r.find((a) => !a.ok)?.found).toBe('no comment from the pipeline');
  });

  it('parses the merge refusal as Gitea words it', () => {
    expect(load('merge-refused.json')).toMatchObject({ message: 'Not all required status checks successful' });
  });
});

const run = (o: Partial<PipelineRun>): PipelineRun => ({
  id: 1,
  trigger: 'push',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  startedAt: '',
  result: 'success',
  stages: [],
  applied: false,
  requests: [],
  ...o,
});

describe('platform.pipelineRun', () => {
  const o = (x: Record<string, unknown>) => platformPipelineRun.schema.parse({ kind: 'platform.pipelineRun', ...x });
  it('matches a run on main that applied, and says what the newest run was otherwise', () => {
    const runs = [
      run({
        id: 2,
        applied: false,
        stages: [{ name: 'apply', title: 'apply', status: 'skipped', summary: 'no change', log: '' }],
      }),
      run({ id: 1, applied: true }),
    ];
    expect(judgePipelineRun(o({ trigger: 'push', applied: true }), runs)[0]?.ok).toBe(true);
    const miss = judgePipelineRun(o({ trigger: 'push', stage: { name: 'deploy', status: 'success' } }), runs)[0];
    expect(miss?.ok).toBe(false);
    expect(miss?.found).toMatch(/newest push run #2 .*apply skipped/);
  });
});

describe('the pipeline, pure parts', () => {
  it('accepts only the body signed with the sandbox secret', () => {
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    const sig = giteaSignature('s3cret', body);
    expect(signatureValid('s3cret', body, sig)).toBe(true);
    expect(signatureValid('other', body, sig)).toBe(false);
    expect(signatureValid('s3cret', Buffer.from('{"ref":"x"}'), sig)).toBe(false);
    expect(signatureValid('s3cret', body, undefined)).toBe(false);
    expect(signatureValid('s3cret', body, 'zz')).toBe(false);
  });

  it("turns conftest JSON into one verdict per policy, skipping the policies' own tests", () => {
    const out = JSON.stringify([
      { filename: 'Combined', namespace: 'kubernetes.namespaces', successes: 2, failures: [{ msg: 'too many CPUs' }] },
      { filename: 'Combined', namespace: 'kubernetes.namespaces_test', successes: 5 },
      { filename: 'Combined', namespace: 'kubernetes.memory', successes: 1, failures: null },
    ]);
    expect(conftestVerdicts(out)).toEqual([
      { policy: 'kubernetes.memory', ok: true, messages: [] },
      { policy: 'kubernetes.namespaces', ok: false, messages: ['too many CPUs'] },
    ]);
  });

  it('summarises a plan and writes one comment with every verdict', () => {
    const plan = summarisePlan({
      resource_changes: [
        { address: 'module.bucket["payments-invoices"].aws_s3_bucket.this', change: { actions: ['create'] } },
        { address: 'terraform_data.x', change: { actions: ['no-op'] } },
        { address: 'aws_s3_bucket.old', change: { actions: ['delete', 'create'] } },
      ],
    });
    expect([plan.add, plan.change, plan.destroy, plan.resources.length]).toEqual([2, 0, 1, 2]);
    const body = pipelineComment(
      run({
        trigger: 'pull_request',
        result: 'failure',
        plan,
        stages: [
          {
            name: 'policy-plan',
            title: 'Policies on the plan',
            status: 'failure',
            summary: 'x',
            log: '',
            verdicts: [
              { policy: 'terraform.buckets', ok: false, messages: ['bucket b: prod buckets keep every version'] },
            ],
          },
        ],
      }),
      'see the page',
    );
    expect(body.split('\n')[0]).toBe('<!-- gitops-dojo platform pipeline -->');
    expect(body).toContain('**Plan:** 2 to add, 0 to change, 1 to destroy.');
    expect(body).toContain('  - bucket b: prod buckets keep every version');
  });

  it('makes standalone, strict kubeconform schemas from an OpenAPI v3 document', () => {
    const doc = {
      components: {
        schemas: {
          'io.k8s.api.core.v1.ResourceQuota': {
            type: 'object',
            'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ResourceQuota' }],
            properties: { spec: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.ResourceQuotaSpec' }] } },
          },
          'io.k8s.api.core.v1.ResourceQuotaSpec': {
            type: 'object',
            properties: {
              hard: {
                type: 'object',
                additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' },
              },
            },
          },
          'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
        },
      },
    };
    const out = schemasFromOpenApi(doc);
    const s = out.get('resourcequota-v1.json') as Record<string, unknown>;
    expect(Object.keys(s['definitions'] as object).sort()).toEqual([
      'io.k8s.api.core.v1.ResourceQuotaSpec',
      'io.k8s.apimachinery.pkg.api.resource.Quantity',
    ]);
    expect(s['additionalProperties']).toBe(false);
    expect(JSON.stringify(s)).toContain('#/definitions/io.k8s.api.core.v1.ResourceQuotaSpec');
    expect(schemaFileName({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' })).toBe(
      'networkpolicy-networking-v1.json',
    );
  });
});
