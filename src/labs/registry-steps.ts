/**
 * Steps that need a Terraform provider from the public registry (today `hashicorp/aws`), and the
 * switch that says whether they can run here: DOJO_AWS_PROVIDER_STEPS.
 *
 * - `require` (default when CI=true): they run; a machine that cannot download the provider fails.
 * - `auto` (default elsewhere): they run when the registry answers (or a local plugin mirror or
 *   cache holds the provider), and are reported "not applicable" otherwise, with the reason.
 * - `off`: reported "not applicable" without trying. This project's CI machines reach package
 *   registries only (no Terraform registry), so .ci/run sets it, with a comment; every other step
 *   and every check kind still runs for real there.
 *
 * A step that is not applicable still has its solution applied (its files are what later steps
 * commit and deploy); only its grading is skipped, and the self-test says so per step.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const AWS_PROVIDER_STEPS_VARIABLE = 'DOJO_AWS_PROVIDER_STEPS';
export type RegistryStepsMode = 'require' | 'auto' | 'off';

export interface RegistryDecision {
  applicable: boolean;
  /** One line for the self-test and the page: why these steps run or not. */
  line: string;
}

export function registryStepsMode(env: NodeJS.ProcessEnv = process.env): RegistryStepsMode {
  const raw = env[AWS_PROVIDER_STEPS_VARIABLE];
  if (raw === 'require' || raw === 'auto' || raw === 'off') return raw;
  if (raw) {
    throw new Error(
      `expected ${AWS_PROVIDER_STEPS_VARIABLE} to be require, auto or off, found "${raw}". Fix: unset it or pick one of those.`,
    );
  }
  return env['CI'] === 'true' ? 'require' : 'auto';
}

/** A hashicorp/aws build in a plugin cache or filesystem mirror that init can use offline. */
function providerOnDisk(env: NodeJS.ProcessEnv): string | null {
  const roots = [env['TF_PLUGIN_CACHE_DIR'], env['DOJO_PROVIDER_MIRROR']].filter((d): d is string => Boolean(d));
  for (const root of roots) {
    for (const host of ['registry.terraform.io', 'registry.opentofu.org']) {
      const dir = path.join(root, host, 'hashicorp', 'aws');
      try {
        if (existsSync(dir) && readdirSync(dir).length > 0) return dir;
      } catch {
        // unreadable: keep looking
      }
    }
  }
  return null;
}

async function registryAnswers(fetchImpl: typeof fetch): Promise<string | null> {
  for (const url of [
    'https://registry.opentofu.org/v1/providers/hashicorp/aws/versions',
    'https://registry.terraform.io/v1/providers/hashicorp/aws/versions',
  ]) {
    try {
      const res = await fetchImpl(url, { signal: AbortSignal.timeout(4000) });
      if (res.ok) return url;
    } catch {
      // unreachable: try the other
    }
  }
  return null;
}

/** Whether steps needing hashicorp/aws can run here, decided once per self-test or session. */
export async function decideRegistrySteps(
  env: NodeJS.ProcessEnv = process.env,
  fetchImpl: typeof fetch = fetch,
): Promise<RegistryDecision> {
  const mode = registryStepsMode(env);
  if (mode === 'off') {
    return {
      applicable: false,
      line: `steps that need the hashicorp/aws provider: not applicable (${AWS_PROVIDER_STEPS_VARIABLE}=off: this machine cannot reach the Terraform registry)`,
    };
  }
  if (mode === 'require') {
    return {
      applicable: true,
      line: `steps that need the hashicorp/aws provider: run (${AWS_PROVIDER_STEPS_VARIABLE}=require)`,
    };
  }
  const disk = providerOnDisk(env);
  if (disk) return { applicable: true, line: `steps that need the hashicorp/aws provider: run (found in ${disk})` };
  const url = await registryAnswers(fetchImpl);
  if (url)
    return { applicable: true, line: `steps that need the hashicorp/aws provider: run (${new URL(url).host} answers)` };
  return {
    applicable: false,
    line: `steps that need the hashicorp/aws provider: not applicable (neither registry.terraform.io nor registry.opentofu.org answers, and no local mirror holds it; ${AWS_PROVIDER_STEPS_VARIABLE}=require makes this a failure)`,
  };
}
