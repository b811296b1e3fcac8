/**
 * Sandbox "local": no services, just the workspace and the toolchain on PATH. For labs about Git,
 * files or local tools, and the starting point `dojo lab new` scaffolds.
 */
import { toolEnv } from '../src/sandbox/which.ts';
import type { Sandbox, StartedSandbox } from '../src/sandbox/sandbox.ts';
import type { SandboxProvides } from '../src/sandbox/sandbox-provides.ts';

/** What labs may rely on (validated against a lab's `requires` when it loads). No $TF: see sandboxes/terraform.ts. */
export const provides = {
  env: { PATH: 'your PATH, then the tools scripts/toolchain.sh installed in .toolchain/' },
  tools: ['git', 'conftest', 'kubeconform'],
  services: {},
} satisfies SandboxProvides;

const local: Sandbox = {
  id: 'local',
  title: 'Local workspace (no services)',
  start(options): Promise<StartedSandbox> {
    options.onProgress?.({ phase: 'ready', message: 'Nothing to start', percent: 100 });
    const stop = () => Promise.resolve();
    return Promise.resolve({
      id: 'local',
      env: { PATH: toolEnv().PATH ?? '' },
      pids: [],
      services: {},
      stop,
      [Symbol.asyncDispose]: stop,
    });
  },
};

export default local;
