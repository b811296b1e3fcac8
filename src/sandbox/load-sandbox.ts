/**
 * Loads `sandboxes/<id>.ts`, whose default export is a Sandbox. The id comes from validated lab
 * frontmatter (kebab-case), so it cannot name a path outside sandboxes/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../shared/paths.ts';
import type { Sandbox } from './sandbox.ts';

export class UnknownSandboxError extends Error {
  constructor(id: string, file: string) {
    super(
      `expected a sandbox module at ${file} for sandbox "${id}"; found none. Fix the lab's "sandbox:" field or add the module.`,
    );
    this.name = 'UnknownSandboxError';
  }
}

export async function loadSandbox(id: string, dir = path.join(repoRoot, 'sandboxes')): Promise<Sandbox> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) throw new UnknownSandboxError(id, '(invalid id)');
  const file = path.join(dir, `${id}.ts`);
  if (!existsSync(file)) throw new UnknownSandboxError(id, file);
  const mod = (await import(pathToFileURL(file).href)) as { default?: Sandbox };
  const sandbox = mod.default;
  if (!sandbox || typeof sandbox.start !== 'function' || sandbox.id !== id) {
    throw new Error(`${file} must default-export a Sandbox whose id is "${id}"`);
  }
  return sandbox;
}
