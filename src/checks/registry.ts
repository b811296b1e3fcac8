/**
 * The table of check kinds. A lab's `checks:` entries are validated against it when the site
 * builds (unknown kind → error with the closest known kind), and the engine dispatches on it.
 * Add a kind: write src/checks/<kind>.ts with defineCheck(), then add it to `checkKinds` below.
 */
import { z } from 'zod';
import type { CheckKind } from './check-kind.ts';

export const checkKinds: CheckKind[] = [];

export function findCheckKind(kind: string): CheckKind | undefined {
  return checkKinds.find((c) => c.kind === kind);
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
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
    ctx.addIssue({ code: 'custom', message: 'expected a check object such as { kind: terraform.backend, type: s3 }', input: value });
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
