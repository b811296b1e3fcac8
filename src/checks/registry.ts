/**
 * The table of check kinds. A lab's `checks:` entries are validated against it when the site
 * builds (unknown kind → error with the closest known kind), and the engine dispatches on it.
 * Add a kind: write src/checks/<kind>.ts with defineCheck(), then add it to `checkKinds` below.
 */
import { z } from 'zod';
import type { CheckKind } from './check-kind.ts';
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
import { s3Website } from './s3-website.ts';

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
  s3Website,
] as CheckKind[];

export function findCheckKind(kind: string): CheckKind | undefined {
  return checkKinds.find((c) => c.kind === kind);
}

/** Edit distance, two rows at a time (typed arrays: no undefined holes). */
function distance(a: string, b: string): number {
  let prev = Uint16Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Uint16Array(b.length + 1);
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

export function closestKind(kind: string): string | undefined {
  let best: { kind: string; d: number } | undefined;
  for (const c of checkKinds) {
    const d = distance(kind.toLowerCase(), c.kind.toLowerCase());
    if (!best || d < best.d) best = { kind: c.kind, d };
  }
  return best && best.d <= Math.max(3, Math.floor(kind.length / 3)) ? best.kind : undefined;
}

/** Validates one `checks:` entry against the schema of its kind, with errors that name the fix. */
export const checkSchema = z.unknown().superRefine((value, ctx) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a check object such as { kind: terraform.backend, type: s3 }',
      input: value,
    });
    return;
  }
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string') {
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message: `every check needs a "kind"; known kinds: ${checkKinds.map((c) => c.kind).join(', ')}`,
    });
    return;
  }
  const def = findCheckKind(kind);
  if (!def) {
    const near = closestKind(kind);
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message: `unknown check kind "${kind}"${near ? `; did you mean "${near}"?` : ''} Known kinds: ${checkKinds.map((c) => c.kind).join(', ')}`,
    });
    return;
  }
  const parsed = def.schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ ...issue, code: 'custom', message: `${kind}: ${issue.message}`, path: issue.path } as never);
    }
  }
});
