/**
 * Attribute expectations shared by check kinds: a path into a JSON value (`input.cidr`,
 * `index_document[0].suffix`, `tags["team.name"]`) and one operator. Nested blocks in Terraform
 * state are lists even when at most one, hence the `[0]` in paths.
 *
 * Equality is structural: maps are equal whatever the order of their keys (state JSON and YAML
 * order keys differently), and lists are compared as collections (Terraform sets come back sorted,
 * not in the order the configuration wrote them) unless `ordered: true` asks for the exact order.
 *
 * Values marked sensitive in state are never shown: `found` says "(sensitive)" in their place.
 */
import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import { regexOption } from './regex-option.ts';

export const pathDescription =
  'Where to look inside the value: dots between object keys (input.cidr), [n] for the n-th list item counting from 0 (index_document[0].suffix; nested blocks are lists even when there is only one), ["key"] for keys that contain dots, slashes or dashes (tags["team.name"]).';

const operators = ['equals', 'contains', 'matches', 'exists'] as const;

export const expectationSchema = strictFields({
  path: z.string({ error: 'expected "path": where to look, e.g. input.cidr' }).min(1).describe(pathDescription),
  equals: z
    .unknown()
    .optional()
    .describe(
      'The value at path equals this (a string, number, boolean, list or map). Maps match whatever their key order; lists match in any order unless ordered: true.',
    ),
  ordered: z
    .boolean()
    .optional()
    .describe('With equals: lists must also be in the same order (default false: any order).'),
  contains: z.string().optional().describe('The value at path, as text, contains this substring.'),
  matches: regexOption()
    .optional()
    .describe('The value at path is a string matching this regular expression (JavaScript syntax, no slashes).'),
  exists: z.boolean().optional().describe('true: the value at path is set (not null); false: it is not set.'),
}).superRefine((e, ctx) => {
  const given = operators.filter((k) => k in e);
  if (given.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `expected exactly one of ${operators.join(', ')} next to "path"; found ${given.length ? given.join(' and ') : 'none'}. Fix: keep one operator per entry (add another entry with the same path for a second condition)`,
    });
  }
  if (e.ordered !== undefined && !('equals' in e)) {
    ctx.addIssue({
      code: 'custom',
      path: ['ordered'],
      message: '"ordered" only applies to "equals". Fix: remove it, or compare with equals',
    });
  }
});
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

export const SENSITIVE = '(sensitive)';

/**
 * A copy of `value` with every part the sensitivity mask marks replaced by "(sensitive)". The
 * mask is `show -json`'s `sensitive_values`: `true` where a value is sensitive, objects and
 * lists of the same shape around it.
 */
export function redact(value: unknown, mask: unknown): unknown {
  if (mask === true) return SENSITIVE;
  if (mask === null || typeof mask !== 'object' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => redact(v, (mask as unknown[])[i]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(v, (mask as Record<string, unknown>)[k]);
  return out;
}

/** Whether anything at or below `path` is sensitive according to the mask. */
export function isSensitive(mask: unknown, path: string): boolean {
  let cur = mask;
  for (const key of parsePath(path)) {
    if (cur === true) return true;
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  const any = (m: unknown): boolean =>
    m === true || (m !== null && typeof m === 'object' && Object.values(m).some(any));
  return any(cur);
}

export function show(value: unknown): string {
  if (value === MISSING) return 'nothing (the attribute is not set)';
  return JSON.stringify(value);
}

/** Structural equality: maps in any key order; lists in order only when `ordered`. */
export function deepEqual(a: unknown, b: unknown, ordered = false): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    if (ordered) return a.every((v, i) => deepEqual(v, b[i], ordered));
    const unused = [...b];
    return a.every((v) => {
      const i = unused.findIndex((w) => deepEqual(v, w, ordered));
      if (i < 0) return false;
      unused.splice(i, 1);
      return true;
    });
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], ordered),
  );
}

export interface Judgement {
  ok: boolean;
  expected: string;
  found: string;
}

/**
 * Judges one expectation against an object; `what` names the object in messages and `sensitive`
 * is its sensitivity mask (values under it are judged but never shown).
 */
export function judge(expectation: Expectation, subject: unknown, what: string, sensitive?: unknown): Judgement {
  const actual = getPath(subject, expectation.path);
  const at = `${what} ${expectation.path}`;
  const hidden = sensitive !== undefined && isSensitive(sensitive, expectation.path);
  const shown = (): string => {
    if (actual === MISSING) return show(actual);
    if (!hidden) return show(actual);
    const masked = redact(subject, sensitive);
    const value = getPath(masked, expectation.path);
    return value === SENSITIVE ? `${SENSITIVE} (marked sensitive in state, so not shown)` : show(value);
  };
  if ('equals' in expectation) {
    const ok = actual !== MISSING && deepEqual(actual, expectation.equals, expectation.ordered === true);
    const order = Array.isArray(expectation.equals) ? (expectation.ordered ? ' (in this order)' : ' (any order)') : '';
    return { ok, expected: `${at} = ${JSON.stringify(expectation.equals)}${order}`, found: `${at} = ${shown()}` };
  }
  if ('contains' in expectation && expectation.contains !== undefined) {
    const text = typeof actual === 'string' ? actual : actual === MISSING ? '' : JSON.stringify(actual);
    const ok = actual !== MISSING && text.includes(expectation.contains);
    return { ok, expected: `${at} contains ${JSON.stringify(expectation.contains)}`, found: `${at} = ${shown()}` };
  }
  if ('matches' in expectation && expectation.matches !== undefined) {
    const ok = typeof actual === 'string' && new RegExp(expectation.matches).test(actual);
    return { ok, expected: `${at} matches /${expectation.matches}/`, found: `${at} = ${shown()}` };
  }
  const present = actual !== MISSING && actual !== null;
  return {
    ok: present === expectation.exists,
    expected: `${at} ${expectation.exists ? 'is set' : 'is not set'}`,
    found: present ? `${at} = ${shown()}` : `${at} is not set`,
  };
}
