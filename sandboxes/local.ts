/**
 * Sandbox "local": no services, just the workspace and the toolchain on PATH. For labs about Git,
 * files or local tools, and the starting point `dojo lab new` scaffolds.
 */
import { toolEnv } from '../src/sandbox/which.ts';
import type { Sandbox, StartedSandbox } from '../src/sandbox/sandbox.ts';

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
