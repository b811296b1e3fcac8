/**
 * Turns zod issues into lines a person can act on: `file: field: message`.
 *
 * Starlight's `parseWithFriendlyErrors` is the model: one line per problem, the field path written
 * the way it appears in the file (`steps[2].id`), never a stack trace.
 */
import type { z } from 'zod';

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const found = 'input' in issue && issue.input !== undefined ? ` (found ${JSON.stringify(issue.input)})` : '';
    return `${fieldPath(issue.path)}: ${issue.message}${issue.code === 'unrecognized_keys' ? '' : found}`;
  });
}

/** An input that failed its schema; `message` lists every problem with its file and field. */
export class ValidationError extends Error {
  readonly file: string;
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ValidationError';
    this.file = file;
    this.problems = problems;
  }
}

export function parseWithFriendlyErrors<S extends z.ZodType>(schema: S, input: unknown, file: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(file, describeIssues(result.error));
  return result.data;
}
