/**
 * Reads one question-bank entry (`interview/<id>.yaml`) for the runner, which runs outside Astro,
 * through the same schema the site build uses: an entry the build accepted is one the runner can
 * grade against. The folder follows DOJO_INTERVIEW_DIR like the content collection does.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { interviewEntrySchema, type InterviewEntry } from '../shared/interview-entry.ts';
import { parseWithFriendlyErrors, ValidationError } from '../shared/friendly-error.ts';
import { interviewDir, repoRoot } from '../shared/paths.ts';

/** The question bank folder: DOJO_INTERVIEW_DIR (relative to the repository) or interview/. */
export function interviewBankDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['DOJO_INTERVIEW_DIR'];
  return fromEnv ? path.resolve(repoRoot, fromEnv) : interviewDir;
}

/** The entry, or null when no file has that id. Throws ValidationError for an invalid entry. */
export async function loadInterviewEntry(dir: string, id: string): Promise<InterviewEntry | null> {
  const file = path.join(dir, `${id}.yaml`);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const shown = path.relative(process.cwd(), file) || file;
  let data: unknown;
  try {
    data = parseYaml(source);
  } catch (err) {
    throw new ValidationError(shown, [`(file): the YAML does not parse: ${(err as Error).message}`]);
  }
  return parseWithFriendlyErrors(interviewEntrySchema, data, shown);
}

/** Every entry of the bank folder by id (file name without `.yaml`), in file-name order. */
export async function loadInterviewBank(dir: string): Promise<Map<string, InterviewEntry>> {
  const bank = new Map<string, InterviewEntry>();
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.yaml')).sort()) {
    const id = f.replace(/\.yaml$/, '');
    const entry = await loadInterviewEntry(dir, id);
    if (entry) bank.set(id, entry);
  }
  return bank;
}
