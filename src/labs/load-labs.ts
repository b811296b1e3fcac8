/**
 * Reads lab manifests straight from `labs/<id>/index.mdx` for the runner and the CLI, which run
 * outside Astro. Validation is the same schema the site build uses, so both agree on what a lab is.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { labManifestSchema, type LabManifest } from './lab-manifest.ts';
import { parseWithFriendlyErrors, ValidationError } from '../shared/friendly-error.ts';

export interface LoadedLab {
  id: string;
  dir: string;
  file: string;
  manifest: LabManifest;
  /** The MDX body after the frontmatter. */
  body: string;
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

export function splitFrontmatter(source: string, file: string): { data: unknown; body: string } {
  const match = FRONTMATTER.exec(source);
  if (!match) {
    throw new ValidationError(file, [
      '(frontmatter): expected the file to start with a YAML frontmatter block between two "---" lines; add one with title, summary, level, minutes, sandbox and steps',
    ]);
  }
  try {
    return { data: parseYaml(match[1] ?? ''), body: match[2] ?? '' };
  } catch (err) {
    throw new ValidationError(file, [`(frontmatter): the YAML does not parse: ${(err as Error).message}`]);
  }
}

export async function loadLab(labsDir: string, id: string): Promise<LoadedLab> {
  const dir = path.join(labsDir, id);
  const file = path.join(dir, 'index.mdx');
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch {
    throw new ValidationError(file, [`(file): expected a lab at ${file}; run "npx dojo lab list" to see the labs`]);
  }
  const { data, body } = splitFrontmatter(source, file);
  const shown = path.relative(process.cwd(), file) || file;
  const manifest = parseWithFriendlyErrors(labManifestSchema, data, shown);
  // Every step needs its instructions: a <Step id="..."> section in the MDX body.
  const missing = manifest.steps.filter((s) => !new RegExp(`<Step\\s+id=["']${s.id}["']`).test(body));
  if (missing.length) {
    throw new ValidationError(
      shown,
      missing.map(
        (s) => `body: step "${s.id}" has no <Step id="${s.id}"> section; add one with the step's instructions`,
      ),
    );
  }
  return { id, dir, file, manifest, body };
}

export interface LabLoadResult {
  labs: LoadedLab[];
  errors: ValidationError[];
}

/** Loads every lab; a broken lab is reported in `errors` and does not hide the others. */
export async function loadLabs(labsDir: string): Promise<LabLoadResult> {
  const entries = await readdir(labsDir, { withFileTypes: true }).catch(() => []);
  const labs: LoadedLab[] = [];
  const errors: ValidationError[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      labs.push(await loadLab(labsDir, entry.name));
    } catch (err) {
      if (err instanceof ValidationError) errors.push(err);
      else throw err;
    }
  }
  labs.sort((a, b) => a.manifest.order - b.manifest.order || a.id.localeCompare(b.id));
  return { labs, errors };
}
