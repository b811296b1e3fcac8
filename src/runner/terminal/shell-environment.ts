/**
 * Which shell a lab terminal runs and with which environment: the user's own shell ($SHELL, else
 * bash, else sh), the user's environment minus what belongs to the runner, plus the sandbox's
 * variables when the lab's sandbox is running.
 */
import { accessSync, constants } from 'node:fs';
import { toolEnv, which } from '../../sandbox/which.ts';

/** Variables that describe the runner's own process or terminal, never the learner's shell. */
const DROP = new Set([
  'DOJO_TOKEN',
  'TMUX',
  'TMUX_PANE',
  'STY',
  'WINDOW',
  'WINDOWID',
  'TERMCAP',
  'COLUMNS',
  'LINES',
  'INIT_CWD',
]);

export function userShell(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env['SHELL'], which('bash', env), '/bin/bash', which('sh', env), '/bin/sh'];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    'expected a shell ($SHELL, bash or sh), found none. Fix: set SHELL to your shell, e.g. SHELL=/bin/bash',
  );
}

export function shellEnvironment(
  lab: string,
  workspace: string,
  sandboxEnv: Record<string, string> | null,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  // toolEnv adds .toolchain/ to PATH so the terminal finds the same tools `dojo doctor` found.
  for (const [key, value] of Object.entries(toolEnv(base))) {
    if (value === undefined || DROP.has(key) || key.startsWith('npm_')) continue;
    env[key] = value;
  }
  Object.assign(env, sandboxEnv ?? {});
  env['TERM'] = 'xterm-256color';
  env['COLORTERM'] = 'truecolor';
  env['DOJO_LAB'] = lab;
  env['DOJO_WORKSPACE'] = workspace;
  return env;
}
