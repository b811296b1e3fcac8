/**
 * `dojo sandbox`: which provider runs sandboxes here and why, and installing the process
 * provider's programs on a machine without Docker.
 *
 *   dojo sandbox provider [--json]   the choice DOJO_PROVIDER=auto would make, with its reason
 *   dojo sandbox install             builds/installs what the process provider needs, through
 *                                    scripts/toolchain.sh (the same phases CI runs), with progress
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../shared/paths.ts';
import { probeProviders, chooseProvider, ProviderUnavailableError } from '../sandbox/sandbox-provider.ts';
import { which } from '../sandbox/which.ts';
import { parseOptions } from './parse-options.ts';
import { UsageError } from './usage-error.ts';

/** The toolchain phases the process provider needs (Gitea joins with the platform lab). */
export const PROCESS_PHASES = ['go-tools', 'redis', 'process-cluster', 'localstack', 'gitea'];

const HELP = `Usage: dojo sandbox <provider|install> [options]

  provider [--json]   Which provider sandboxes use here (DOJO_PROVIDER=docker|process|auto) and why
  install             Install what the process provider needs (no Docker): builds etcd, the
                      Kubernetes control plane, kwok and Argo CD from the Go module proxy (needs
                      Go >= 1.26; 12-15 min the first time on 2 cores, under a minute when the Go
                      cache is warm), redis-server (Debian package, as root), kustomize and helm, and
                      LocalStack 4.14.0 from PyPI (needs Python >= 3.13). Runs scripts/toolchain.sh
                      ${PROCESS_PHASES.join(' ')}; installs into .toolchain/ of this checkout.`;

export async function sandboxCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  const [action] = positionals;
  if (values.help || !action) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (action === 'provider') {
    const probe = await probeProviders();
    try {
      const choice = chooseProvider(process.env, probe);
      const out = {
        provider: choice.provider,
        reason: choice.reason,
        docker: probe.engineProblem ?? 'ok',
        process: probe.processProblem ?? 'ok',
      };
      console.log(values.json ? JSON.stringify(out, null, 2) : `${choice.provider}: ${choice.reason}`);
      return 0;
    } catch (err) {
      if (!(err instanceof ProviderUnavailableError)) throw err;
      if (values.json) console.log(JSON.stringify({ provider: null, reason: err.message }, null, 2));
      else console.error(err.message);
      return 1;
    }
  }
  if (action === 'install') {
    if (process.platform !== 'linux') {
      console.error(
        `The process provider is built for Linux only for now (this is ${process.platform}); use Docker here.`,
      );
      return 1;
    }
    if (!which('go')) {
      console.error(
        "Building the process sandbox needs Go >= 1.26 on PATH (https://go.dev/dl/, or your distribution's golang package). Go fetches the 1.27 toolchain it needs by itself.",
      );
      return 1;
    }
    const script = path.join(repoRoot, 'scripts', 'toolchain.sh');
    console.log(
      `Running ${path.relative(process.cwd(), script) || script} ${PROCESS_PHASES.join(' ')} (each phase prints its duration)`,
    );
    return new Promise<number>((resolve) => {
      const child = spawn('bash', [script, ...PROCESS_PHASES], { stdio: 'inherit', cwd: repoRoot });
      child.on('close', (code) => resolve(code ?? 1));
      child.on('error', (err) => {
        console.error(`could not run ${script}: ${err.message}`);
        resolve(1);
      });
    });
  }
  throw new UsageError(`unknown action "${action}". Expected provider or install.`);
}
