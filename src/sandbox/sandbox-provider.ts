/**
 * Which way sandboxes run on this machine: `docker` (kind clusters, LocalStack and Argo CD in
 * containers) or `process` (a real kube-apiserver, etcd, kwok and Argo CD, LocalStack and Gitea
 * as local processes, built from the Go module proxy and PyPI). Both are first-class; checks,
 * labs and the page never know which runs.
 *
 * DOJO_PROVIDER=docker|process|auto (default auto): auto takes Docker when an engine answers,
 * else the process provider when its programs are installed, else fails naming both ways out.
 * The choice comes with a one-line reason that doctor, the lab page and `dojo lab test` print.
 */
import { detectDockerEngine, type DockerEngine } from './docker-engine.ts';
import { processProviderProblem } from './process-binaries.ts';

export const providerNames = ['docker', 'process'] as const;
export type ProviderName = (typeof providerNames)[number];
export const PROVIDER_VARIABLE = 'DOJO_PROVIDER';

export interface ProviderChoice {
  provider: ProviderName;
  /** One sentence: why this provider, e.g. "no container engine answered; the process sandbox is installed". */
  reason: string;
  /** The engine, when the provider is docker. */
  engine: DockerEngine | null;
}

export class ProviderUnavailableError extends Error {
  readonly problems: string[];
  constructor(message: string, problems: string[]) {
    super(message);
    this.name = 'ProviderUnavailableError';
    this.problems = problems;
  }
}

/** What the choice depends on; gathered once (and passed in by tests). */
export interface ProviderProbe {
  /** null when a container engine answers. */
  engineProblem: string | null;
  engine: DockerEngine | null;
  /** null when the process provider's programs are installed. */
  processProblem: string | null;
}

export async function probeProviders(env: NodeJS.ProcessEnv = process.env): Promise<ProviderProbe> {
  const engine = await detectDockerEngine(env).catch((err: unknown) =>
    err instanceof Error ? err : new Error(String(err)),
  );
  return {
    engine: engine instanceof Error ? null : engine,
    engineProblem: engine instanceof Error ? engine.message : null,
    processProblem: processProviderProblem(env),
  };
}

/** The provider to use, or an error naming what is missing for each. Pure: tests pass the probe. */
export function chooseProvider(env: NodeJS.ProcessEnv, probe: ProviderProbe): ProviderChoice {
  const wanted = (env[PROVIDER_VARIABLE] ?? 'auto').trim() || 'auto';
  if (wanted !== 'auto' && !(providerNames as readonly string[]).includes(wanted)) {
    throw new ProviderUnavailableError(
      `expected ${PROVIDER_VARIABLE} to be docker, process or auto, found "${wanted}". Fix: unset it or pick one of those.`,
      [],
    );
  }
  if (wanted === 'docker') {
    if (probe.engineProblem) {
      throw new ProviderUnavailableError(
        `${PROVIDER_VARIABLE}=docker, but ${probe.engineProblem} Fix: start the engine, or use DOJO_PROVIDER=process (or unset it).`,
        [probe.engineProblem],
      );
    }
    return { provider: 'docker', reason: `${PROVIDER_VARIABLE}=docker`, engine: probe.engine };
  }
  if (wanted === 'process') {
    if (probe.processProblem) {
      throw new ProviderUnavailableError(`${PROVIDER_VARIABLE}=process, but ${probe.processProblem}`, [
        probe.processProblem,
      ]);
    }
    return { provider: 'process', reason: `${PROVIDER_VARIABLE}=process`, engine: null };
  }
  if (!probe.engineProblem) {
    return { provider: 'docker', reason: 'auto: a container engine answered', engine: probe.engine };
  }
  if (!probe.processProblem) {
    return {
      provider: 'process',
      reason: `auto: Docker is not usable here (${shorten(probe.engineProblem)}), and the process sandbox is installed`,
      engine: null,
    };
  }
  throw new ProviderUnavailableError(
    `no way to run this sandbox here. Docker: ${probe.engineProblem} Processes: ${probe.processProblem}`,
    [probe.engineProblem, probe.processProblem],
  );
}

function shorten(text: string): string {
  const first = text.split(/(?<=\.)\s/)[0] ?? text;
  return first.length > 160 ? `${first.slice(0, 157)}...` : first;
}

/** Probe and choose in one call. */
export async function selectProvider(env: NodeJS.ProcessEnv = process.env): Promise<ProviderChoice> {
  return chooseProvider(env, await probeProviders(env));
}
