/**
 * Loads `sandboxes/<id>.ts` and checks that its default export is a Sandbox, so that a typo in a
 * sandbox module is reported with the file and the fix instead of failing later inside start().
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Sandbox, StartedSandbox } from './sandbox.ts';
import { describeIssues } from '../shared/friendly-error.ts';

export class SandboxLoadError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.name = 'SandboxLoadError';
    this.hint = hint;
  }
}

const sandboxShape = z.object({
  id: z.string({ error: 'expected "id" to be a string' }),
  title: z.string({ error: 'expected "title" to be a string' }),
  start: z.custom<Sandbox['start']>((v) => typeof v === 'function', { error: 'expected "start" to be a function' }),
});

const startedShape = z.object({
  env: z.record(z.string(), z.string({ error: 'expected every env value to be a string' })),
  pids: z.array(z.number().int().positive()),
  services: z.record(z.string(), z.string()),
  stop: z.custom<() => Promise<void>>((v) => typeof v === 'function', { error: 'expected "stop" to be a function' }),
});

export async function loadSandbox(sandboxesDir: string, id: string): Promise<Sandbox> {
  const file = path.join(sandboxesDir, `${id}.ts`);
  const shown = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    throw new SandboxLoadError(
      `expected a sandbox module ${shown} (named by the lab's "sandbox: ${id}"), found no such file`,
      `add ${shown} with a default export implementing Sandbox from src/sandbox/sandbox.ts, or fix the lab's "sandbox" field`,
    );
  }
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  const parsed = sandboxShape.safeParse(mod.default);
  if (!parsed.success) {
    throw new SandboxLoadError(
      `expected ${shown} to export a Sandbox as default: ${describeIssues(parsed.error).join('; ')}`,
      'export default an object with id, title and start(options), as described in src/sandbox/sandbox.ts',
    );
  }
  return mod.default as Sandbox;
}

/** Checks what start() returned: a sandbox that hands the terminal a non-string env is a bug to name. */
export function checkStarted(id: string, started: StartedSandbox): StartedSandbox {
  const parsed = startedShape.safeParse(started);
  if (!parsed.success) {
    throw new SandboxLoadError(
      `sandbox "${id}" started but returned an invalid StartedSandbox: ${describeIssues(parsed.error).join('; ')}`,
      'return { id, env, pids, services, stop } as described in src/sandbox/sandbox.ts',
    );
  }
  return started;
}
