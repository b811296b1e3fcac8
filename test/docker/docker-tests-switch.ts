/**
 * DOJO_DOCKER_TESTS decides whether the `docker` Vitest project (the real LocalStack, kind, Argo CD
 * and s3-static-site tests in this folder) runs:
 *
 * - `require`: run them; without a reachable engine they fail. The default when CI=true, so a
 *   green CI means they ran, unless CI says otherwise out loud (see below).
 * - `auto`: run them when an engine answers, else print one "not applicable" line. The default
 *   elsewhere.
 * - `off`: do not run them, and print one "not applicable" line saying so. A CI whose machines
 *   have no engine sets this explicitly in .ci/run, with a comment: the switch is visible in
 *   the script, never a silent skip.
 *
 * The decision is made when Vitest loads its config, so it is printed once per run.
 */
import { spawnSync } from 'node:child_process';

export type DockerTestsMode = 'require' | 'auto' | 'off';

export interface DockerTestsDecision {
  mode: DockerTestsMode;
  enabled: boolean;
  /** One line for the test output. */
  line: string;
}

/** Whether `docker` or `podman` reports a server version (the same probe as the sandbox). */
export function engineAnswers(env: NodeJS.ProcessEnv = process.env): { ok: boolean; detail: string } {
  const order = env['KIND_EXPERIMENTAL_PROVIDER'] === 'podman' ? ['podman', 'docker'] : ['docker', 'podman'];
  const problems: string[] = [];
  for (const cli of order) {
    const r = spawnSync(cli, ['version', '--format', '{{.Server.Version}}'], {
      env,
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') continue;
    if (r.status === 0 && /^\d+\.\d+/.test(r.stdout.trim())) return { ok: true, detail: `${cli} ${r.stdout.trim()}` };
    problems.push(`${cli}: ${(r.stderr || r.stdout || 'no answer').trim().split('\n')[0]}`);
  }
  return { ok: false, detail: problems.length ? problems.join('; ') : 'no docker or podman CLI on PATH' };
}

export function dockerTestsDecision(env: NodeJS.ProcessEnv = process.env, probe = engineAnswers): DockerTestsDecision {
  const raw = env['DOJO_DOCKER_TESTS'] ?? (env['CI'] === 'true' ? 'require' : 'auto');
  if (raw !== 'require' && raw !== 'auto' && raw !== 'off') {
    throw new Error(`expected DOJO_DOCKER_TESTS to be require, auto or off, found "${raw}"`);
  }
  if (raw === 'off') {
    return {
      mode: raw,
      enabled: false,
      line: 'docker tests: not applicable: DOJO_DOCKER_TESTS=off (no Docker engine on this machine; see README "Docker path")',
    };
  }
  if (raw === 'require')
    return {
      mode: raw,
      enabled: true,
      line: 'docker tests: required (DOJO_DOCKER_TESTS=require): they fail without a Docker engine',
    };
  const engine = probe(env);
  return engine.ok
    ? { mode: raw, enabled: true, line: `docker tests: running against ${engine.detail} (DOJO_DOCKER_TESTS=auto)` }
    : {
        mode: raw,
        enabled: false,
        line: `docker tests: not applicable: no Docker engine (${engine.detail}); DOJO_DOCKER_TESTS=require makes this a failure`,
      };
}
