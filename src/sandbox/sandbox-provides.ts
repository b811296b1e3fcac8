/**
 * What a sandbox provides, declared statically so a lab can be validated without starting it.
 *
 * Every `sandboxes/<id>.ts` exports, beside its default Sandbox:
 *
 *   export const provides = {
 *     env: { TF: 'path of the terraform or tofu binary', … },   // variables the terminal and scripts get
 *     tools: ['git', 'terraform-or-tofu'],                      // requirement ids usable as given
 *     services: { 'aws-emulator': 'moto_server or LocalStack on 127.0.0.1' },
 *   } satisfies SandboxProvides;
 *
 * A lab's `requires` entries (src/labs/lab-manifest.ts `requirements`) must each appear in `tools`
 * or as a key of `services`; the build says which sandbox provides a missing one. The authoring
 * guide renders env, tools and services with their meanings. A module without a `provides` export
 * is not validated against `requires` (and the guide says it declares nothing): declare it.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { describeIssues } from '../shared/friendly-error.ts';

export const sandboxProvidesSchema = z.strictObject({
  /** Environment variables the terminal, checks and step scripts get, with what each means. */
  env: z.record(z.string(), z.string()),
  /** Requirement ids (git, terraform-or-tofu, aws-cli, kubectl, …) usable as given in this sandbox. */
  tools: z.array(z.string()),
  /** Services it starts, keyed by requirement id where there is one (aws-emulator, kind), with a description. */
  services: z.record(z.string(), z.string()).default({}),
});
export type SandboxProvides = z.input<typeof sandboxProvidesSchema>;

export interface SandboxDescription {
  id: string;
  title: string;
  file: string;
  /** null when the module declares no `provides` (or an invalid one: see `problem`). */
  provides: z.output<typeof sandboxProvidesSchema> | null;
  problem?: string | undefined;
}

/** Ids of the sandbox modules in a folder (`<id>.ts`). */
export async function listSandboxes(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Imports `<dir>/<id>.ts` and reads its declaration; null when there is no such module. */
export async function describeSandbox(dir: string, id: string): Promise<SandboxDescription | null> {
  const file = path.join(dir, `${id}.ts`);
  if (!existsSync(file)) return null;
  const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
    default?: { title?: unknown };
    provides?: unknown;
  };
  const title = typeof mod.default?.title === 'string' ? mod.default.title : id;
  if (mod.provides === undefined) return { id, title, file, provides: null };
  const parsed = sandboxProvidesSchema.safeParse(mod.provides);
  if (!parsed.success) {
    return { id, title, file, provides: null, problem: describeIssues(parsed.error).join('; ') };
  }
  return { id, title, file, provides: parsed.data };
}

/** Whether a sandbox makes a requirement usable: listed in its tools or services. */
export function providesRequirement(provides: SandboxDescription['provides'], requirement: string): boolean {
  return !!provides && (provides.tools.includes(requirement) || requirement in provides.services);
}
