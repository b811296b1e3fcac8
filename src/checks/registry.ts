/**
 * The table of check kinds. A lab's `checks:` entries are validated against it when the site
 * builds (unknown kind → error with the closest known kind), and the engine dispatches on it.
 * Add a kind: write src/checks/<kind>.ts with defineCheck(), then add it to `checkKinds` below.
 */
import { z } from 'zod';
import type { CheckKind } from './check-kind.ts';
import { closestName } from '../shared/closest-name.ts';
import { terraformResource } from './terraform-resource.ts';
import { terraformOutput } from './terraform-output.ts';
import { terraformBackend } from './terraform-backend.ts';
import { terraformNoDrift } from './terraform-no-drift.ts';
import { terraformStateMeta } from './terraform-state-meta.ts';
import { terraformLock } from './terraform-lock.ts';
import { s3Bucket } from './s3-bucket.ts';
import { s3Object } from './s3-object.ts';
import { dynamodbItem } from './dynamodb-item.ts';
import { gitCommit } from './git-commit.ts';
import { httpGet } from './http-get.ts';
import { command } from './command.ts';
import { k8sResource } from './k8s-resource.ts';
import { argocdApp } from './argocd-app.ts';
import { argocdApplicationSet } from './argocd-application-set.ts';
import { argocdDrift } from './argocd-drift.ts';
import { s3Website } from './s3-website.ts';
import { giteaPullRequest } from './gitea-pull-request.ts';
import { platformPipelineRun } from './platform-pipeline-run.ts';

// Each kind is typed by its own schema; the table erases that to the common interface.
export const checkKinds: CheckKind[] = [
  terraformResource,
  terraformOutput,
  terraformBackend,
  terraformNoDrift,
  terraformStateMeta,
  terraformLock,
  s3Bucket,
  s3Object,
  dynamodbItem,
  gitCommit,
  httpGet,
  command,
  k8sResource,
  argocdApp,
  argocdApplicationSet,
  argocdDrift,
  s3Website,
  giteaPullRequest,
  platformPipelineRun,
] as CheckKind[];

export function findCheckKind(kind: string): CheckKind | undefined {
  return checkKinds.find((c) => c.kind === kind);
}

export function closestKind(kind: string): string | undefined {
  return closestName(
    kind,
    checkKinds.map((c) => c.kind),
  );
}

/** Validates one `checks:` entry against the schema of its kind, with errors that name the fix. */
export const checkSchema = z.unknown().superRefine((value, ctx) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'expected a check object such as { kind: terraform.backend, type: s3 }. Fix: write the check as a map with a "kind" field',
      input: value,
    });
    return;
  }
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string') {
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message: `every check needs a "kind". Fix: add kind: with one of ${checkKinds.map((c) => c.kind).join(', ')}`,
    });
    return;
  }
  const def = findCheckKind(kind);
  if (!def) {
    const near = closestKind(kind);
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message: `unknown check kind "${kind}". Fix: ${near ? `did you mean "${near}"? ` : ''}Known kinds: ${checkKinds.map((c) => c.kind).join(', ')}`,
    });
    return;
  }
  const parsed = def.schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // Re-raised as custom issues (path relative to the check); the original rides along so the
      // lab loader can still say what type or values were expected.
      ctx.addIssue({
        code: 'custom',
        message: issue.message,
        path: issue.path,
        input: (issue as { input?: unknown }).input,
        params: { original: issue },
      });
    }
  }
});
