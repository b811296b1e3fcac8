/**
 * Problems in a lab, said so an author can fix them without opening the schema:
 *
 *   labs/x/index.mdx:30 step "held-lock" › steps[1].checks[1].attributes[0].equal (terraform.resource)
 *       problem: unknown field "equal"
 *       found:   equal: '10.40.0.0/16'
 *       fix:     did you mean "equals"? Allowed fields here: path, equals, ordered, contains, matches, exists
 *
 * The line comes from the YAML source (a LineCounter over the frontmatter), the step from the data,
 * "found" from the source text at that place (the author's own spelling), and "fix" from the part of
 * a schema message after "Fix:", or from the kind of issue when the schema gave none.
 */
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { fieldPath, ValidationError } from '../shared/friendly-error.ts';

export interface LabProblem {
  /** 1-based line in the .mdx file, when the problem has a place. */
  line?: number | undefined;
  /** Id of the step the problem is in. */
  step?: string | undefined;
  /** Field path as written in the file, e.g. steps[1].checks[0].address; "(file)" for the file itself. */
  field: string;
  /** Check kind, when the problem is inside a check. */
  check?: string | undefined;
  problem: string;
  found?: string | undefined;
  fix?: string | undefined;
}

export function formatProblem(file: string, p: LabProblem): string {
  const where = [p.step ? `step "${p.step}"` : '', p.field, p.check ? `(${p.check})` : '']
    .filter(Boolean)
    .join(' › ')
    .replace(' › (', ' (');
  const lines = [`${file}${p.line ? `:${p.line}` : ''} ${where}`, `    problem: ${p.problem}`];
  if (p.found !== undefined) lines.push(`    found:   ${p.found}`);
  if (p.fix) lines.push(`    fix:     ${p.fix}`);
  return lines.join('\n');
}

/** A lab that does not validate: every problem with its file, line, step, field, found and fix. */
export class LabValidationError extends ValidationError {
  readonly details: LabProblem[];
  constructor(file: string, problems: LabProblem[]) {
    super(
      file,
      problems.map((p) => formatProblem(file, p)),
    );
    this.name = 'LabValidationError';
    this.details = problems;
  }
}

/** Splits "what is wrong. Fix: what to do" into its two halves. */
export function splitFix(message: string): { problem: string; fix?: string } {
  const i = message.indexOf('Fix:');
  if (i < 0) return { problem: message };
  return { problem: message.slice(0, i).replace(/[.;,\s]+$/, ''), fix: message.slice(i + 4).trim() };
}

function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The parsed frontmatter with the positions of its nodes, for lines and "found" texts. */
export class FrontmatterSource {
  readonly doc: Document;
  readonly yaml: string;
  /** Lines before the YAML in the file (1 for the opening "---"). */
  readonly lineOffset: number;
  private readonly lines = new LineCounter();
  constructor(yaml: string, lineOffset: number) {
    this.yaml = yaml;
    this.lineOffset = lineOffset;
    this.doc = parseDocument(yaml, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  lineAt(offset: number): number {
    return this.lines.linePos(offset).line + this.lineOffset;
  }

  /** The node at a data path (undefined when it is not in the file). */
  private nodeAt(path: readonly PropertyKey[]): unknown {
    if (path.length === 0) return this.doc.contents;
    return this.doc.getIn(path as (string | number)[], true);
  }

  /** The key/value pair of `key` in the map at `path`. */
  private pairAt(path: readonly PropertyKey[], key: string) {
    const map = this.nodeAt(path);
    if (!isMap(map)) return undefined;
    return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  }

  /** Line of the deepest part of `path` that exists in the file. */
  lineOf(path: readonly PropertyKey[], key?: string): number | undefined {
    if (key !== undefined) {
      const pair = this.pairAt(path, key);
      if (pair && isNode(pair.key) && pair.key.range) return this.lineAt(pair.key.range[0]);
    }
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      const last = sub[sub.length - 1];
      // Prefer the key's line for a map entry (a value may start on the next line).
      if (typeof last === 'string') {
        const pair = this.pairAt(sub.slice(0, -1), last);
        if (pair && isNode(pair.key) && pair.key.range) return this.lineAt(pair.key.range[0]);
      }
      const node = this.nodeAt(sub);
      if (isNode(node) && node.range) return this.lineAt(node.range[0]);
    }
    return undefined;
  }

  /** The author's text at `path` (or the `key: value` pair), on one line. */
  textOf(path: readonly PropertyKey[], key?: string): string | undefined {
    if (key !== undefined) {
      const pair = this.pairAt(path, key);
      if (!pair || !isNode(pair.key) || !pair.key.range) return undefined;
      const end = isNode(pair.value) && pair.value.range ? pair.value.range[1] : pair.key.range[1];
      return oneLine(this.yaml.slice(pair.key.range[0], end));
    }
    const node = this.nodeAt(path);
    if (!isNode(node) || !node.range) return undefined;
    return oneLine(this.yaml.slice(node.range[0], node.range[1]));
  }
}

function stepOf(data: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'steps' || typeof path[1] !== 'number') return undefined;
  const step = (data as { steps?: { id?: unknown }[] } | null)?.steps?.[path[1]];
  return typeof step?.id === 'string' ? step.id : undefined;
}

function checkOf(data: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'steps' || typeof path[1] !== 'number' || path[2] !== 'checks' || typeof path[3] !== 'number')
    return undefined;
  const check = (data as { steps?: { checks?: { kind?: unknown }[] }[] } | null)?.steps?.[path[1]]?.checks?.[path[3]];
  return typeof check?.kind === 'string' ? check.kind : undefined;
}

type Issue = z.core.$ZodIssue;

/** A fix for issues whose schema message did not carry one. */
function genericFix(issue: Issue, missing: boolean, field: string): string {
  switch (issue.code) {
    case 'invalid_type':
      return missing
        ? `add "${field.split('.').pop() ?? field}:"`
        : `write ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a map of fields' : `a ${issue.expected}`} here`;
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `add at least ${String(issue.minimum)} item(s)`
        : `make it at least ${String(issue.minimum)}`;
    case 'too_big':
      return `make it at most ${String(issue.maximum)}`;
    case 'invalid_format':
      return `write it in the ${issue.format} format`;
    default:
      return 'see the field in the authoring guide (/authoring/)';
  }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) =>
  a.length === b.length && a.every((k, i) => k === b[i]);

/** Zod issues for the manifest, placed in the source. */
export function problemsFromIssues(issues: readonly Issue[], source: FrontmatterSource, data: unknown): LabProblem[] {
  const originalOf = (raw: Issue) =>
    ((raw.code === 'custom' && (raw.params as { original?: Issue } | undefined)?.original) || raw) as Issue;
  // An object with an unknown field often fails its own rules as a consequence ("no operator" when
  // `equal` was meant for `equals`): the unknown field is the problem to report.
  const unknownAt = issues.filter((i) => originalOf(i).code === 'unrecognized_keys').map((i) => i.path);
  const kept = issues.filter((i) => originalOf(i).code !== 'custom' || !unknownAt.some((p) => samePath(p, i.path)));
  return kept.map((raw) => {
    const original = originalOf(raw);
    const path = raw.path;
    const value = valueAt(data, path);
    const missing = original.code === 'invalid_type' && value === undefined;
    const field = fieldPath(path);
    let { problem, fix } = splitFix(raw.message);
    // "found" gets a line of its own: drop the one expected() appends to the message.
    const suffix = `, found ${JSON.stringify(value)}`;
    if (problem.endsWith(suffix)) problem = problem.slice(0, -suffix.length);
    problem = problem.replace(/ \(found nothing\)$/, '');
    if (missing) problem = `missing required field "${String(path[path.length - 1] ?? '')}"`;
    else if (original.code === 'invalid_type' && /^Invalid input/.test(problem))
      problem = `expected ${original.expected === 'array' ? 'a list' : `a ${original.expected}`}`;
    fix ??= genericFix(original, missing, field);
    if (original.code === 'unrecognized_keys') {
      const key = original.keys[0] ?? '';
      return {
        line: source.lineOf(path, key),
        step: stepOf(data, path),
        field: `${field === '(root)' ? '' : `${field}.`}${key}`,
        check: checkOf(data, path),
        problem,
        found: source.textOf(path, key),
        fix,
      };
    }
    return {
      line: source.lineOf(path),
      step: stepOf(data, path),
      field,
      check: checkOf(data, path),
      problem,
      found: missing ? 'nothing (the field is missing)' : (source.textOf(path) ?? JSON.stringify(value)),
      fix,
    };
  });
}
