/**
 * Loads and validates `labs/<id>/index.mdx` for the site build (src/content.config.ts), the runner
 * and the CLI: one function, so a lab that builds is a lab the runner can grade and self-test.
 *
 * Validation is the manifest schema (src/labs/lab-manifest.ts) plus the cross-references the schema
 * cannot see (src/labs/lab-cross-references.ts). Every problem is reported at once, each with the
 * file, YAML line, step, field, what was found and the fix (src/labs/lab-problems.ts).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { labManifestSchema, type LabManifest } from './lab-manifest.ts';
import { FrontmatterSource, LabValidationError, problemsFromIssues, type LabProblem } from './lab-problems.ts';
import { crossReferenceProblems } from './lab-cross-references.ts';
import type { SandboxDescription } from '../sandbox/sandbox-provides.ts';
import { ValidationError } from '../shared/friendly-error.ts';
import { repoRoot } from '../shared/paths.ts';

export interface LoadedLab {
  id: string;
  dir: string;
  file: string;
  manifest: LabManifest;
  /** The MDX body after the frontmatter. */
  body: string;
  /** Wrong-answer scripts per step (wrong/<step>/<name>.sh, relative to `dir`), run by the self-test. */
  wrong: Record<string, string[]>;
  /** The sandbox's static description (what it provides), null when it could not be read. */
  sandbox: SandboxDescription | null;
}

export interface LoadLabOptions {
  /** Where `sandboxes/<id>.ts` live; see sandboxesDirsFor for the default. */
  sandboxesDir?: string | undefined;
}

/**
 * Folders searched for the lab's sandbox, first match wins: the explicit one, DOJO_SANDBOXES_DIR,
 * a `sandboxes/` folder beside the labs folder (a project keeps both side by side, as the runner's
 * test fixtures do), then the repository's.
 */
export function sandboxesDirsFor(labsDir: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    explicit,
    env['DOJO_SANDBOXES_DIR'],
    path.resolve(labsDir, '..', 'sandboxes'),
    path.join(repoRoot, 'sandboxes'),
  ].filter((d): d is string => !!d && existsSync(d));
  return [...new Set(dirs.map((d) => path.resolve(d)))];
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/** How a file is named in messages: relative to the working directory when inside it. */
export function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function splitFrontmatter(source: string, file: string): { yaml: string; body: string; bodyLineOffset: number } {
  const match = FRONTMATTER.exec(source);
  if (!match) {
    throw new LabValidationError(file, [
      {
        line: 1,
        field: '(frontmatter)',
        problem: 'the file does not start with a YAML frontmatter block between two "---" lines',
        found: JSON.stringify(source.split('\n')[0] ?? ''),
        fix: 'start the file with ---, the manifest (title, summary, level, minutes, sandbox, steps), then ---',
      },
    ]);
  }
  const yaml = match[1] ?? '';
  return { yaml, body: match[2] ?? '', bodyLineOffset: yaml.split('\n').length + 2 };
}

export async function loadLab(labsDir: string, id: string, options: LoadLabOptions = {}): Promise<LoadedLab> {
  const dir = path.join(labsDir, id);
  const file = path.join(dir, 'index.mdx');
  const shown = shownPath(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ValidationError(shown, [`(file): expected a lab at ${shown}; run "npx dojo lab list" to see the labs`]);
  }
  const { yaml, body, bodyLineOffset } = splitFrontmatter(text, shown);
  const source = new FrontmatterSource(yaml, 1);
  if (source.doc.errors.length) {
    throw new LabValidationError(
      shown,
      source.doc.errors.map((e) => ({
        line: (e.linePos?.[0]?.line ?? 0) + 1 || undefined,
        field: '(frontmatter)',
        problem: `the YAML does not parse: ${e.message.split('\n')[0] ?? e.code}`,
        found: e.linePos ? JSON.stringify(yaml.split('\n')[(e.linePos[0]?.line ?? 1) - 1] ?? '') : undefined,
        fix: 'fix the YAML syntax at that line (indentation, a missing colon, quotes around text with ": " or "#")',
      })),
    );
  }
  const data: unknown = source.doc.toJS();
  const parsed = labManifestSchema.safeParse(data);
  if (!parsed.success) throw new LabValidationError(shown, problemsFromIssues(parsed.error.issues, source, data));
  const manifest = parsed.data;
  const refs = await crossReferenceProblems({
    dir,
    manifest,
    source,
    body,
    bodyLineOffset,
    sandboxesDirs: sandboxesDirsFor(labsDir, options.sandboxesDir),
  });
  if (refs.problems.length) throw new LabValidationError(shown, sortProblems(refs.problems));
  return { id, dir, file, manifest, body, wrong: refs.wrong, sandbox: refs.sandbox };
}

function sortProblems(problems: LabProblem[]): LabProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

export interface LabLoadResult {
  labs: LoadedLab[];
  errors: ValidationError[];
}

/** Loads every lab; a broken lab is reported in `errors` and does not hide the others. */
export async function loadLabs(labsDir: string, options: LoadLabOptions = {}): Promise<LabLoadResult> {
  const entries = await readdir(labsDir, { withFileTypes: true }).catch(() => []);
  const labs: LoadedLab[] = [];
  const errors: ValidationError[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      labs.push(await loadLab(labsDir, entry.name, options));
    } catch (err) {
      if (err instanceof ValidationError) errors.push(err);
      else throw err;
    }
  }
  labs.sort((a, b) => a.manifest.order - b.manifest.order || a.id.localeCompare(b.id));
  return { labs, errors };
}
