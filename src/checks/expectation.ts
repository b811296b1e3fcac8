/**
 * Attribute expectations shared by check kinds: a path into a JSON value (`input.cidr`,
 * `index_document[0].suffix`, `tags.team`) and one operator. Nested blocks in Terraform state are
 * lists even when at most one, hence the `[0]` in paths.
 */
import { z } from 'zod';

export const expectationSchema = z.union([
  z.strictObject({ path: z.string().min(1), equals: z.unknown() }),
  z.strictObject({ path: z.string().min(1), contains: z.string() }),
  z.strictObject({ path: z.string().min(1), matches: z.string() }),
  z.strictObject({ path: z.string().min(1), exists: z.boolean() }),
]);
export type Expectation = z.infer<typeof expectationSchema>;

const MISSING = Symbol('missing');

/** Splits `a.b[0].c` or `a["x.y"]` into keys. */
export function parsePath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(m[3]);
  }
  return keys;
}

export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of parsePath(path)) {
    if (cur === null || typeof cur !== 'object') return MISSING;
    const next = (cur as Record<string | number, unknown>)[key];
    if (next === undefined) return MISSING;
    cur = next;
  }
  return cur;
}

export function show(value: unknown): string {
  if (value === MISSING) return 'nothing (the attribute is not set)';
  return JSON.stringify(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Judges one expectation against an object; `what` names the object in messages. */
export function judge(expectation: Expectation, subject: unknown, what: string) {
  const actual = getPath(subject, expectation.path);
  const at = `${what} ${expectation.path}`;
  if ('equals' in expectation) {
    const ok = actual !== MISSING && deepEqual(actual, expectation.equals);
    return { ok, expected: `${at} = ${JSON.stringify(expectation.equals)}`, found: `${at} = ${show(actual)}` };
  }
  if ('contains' in expectation) {
    const text = typeof actual === 'string' ? actual : actual === MISSING ? '' : JSON.stringify(actual);
    const ok = actual !== MISSING && text.includes(expectation.contains);
    return { ok, expected: `${at} contains ${JSON.stringify(expectation.contains)}`, found: `${at} = ${show(actual)}` };
  }
  if ('matches' in expectation) {
    const ok = typeof actual === 'string' && new RegExp(expectation.matches).test(actual);
    return { ok, expected: `${at} matches /${expectation.matches}/`, found: `${at} = ${show(actual)}` };
  }
  const present = actual !== MISSING && actual !== null;
  return {
    ok: present === expectation.exists,
    expected: `${at} ${expectation.exists ? 'is set' : 'is not set'}`,
    found: present ? `${at} = ${show(actual)}` : `${at} is not set`,
  };
}
