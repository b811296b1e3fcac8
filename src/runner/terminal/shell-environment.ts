/**
 * Which shell a lab terminal runs and with which environment: the user's own shell ($SHELL, else
 * bash, else sh), the user's environment minus what belongs to the runner, plus the sandbox's
 * variables when the lab's sandbox is running, plus what makes the lab's own tools work there:
 * DOJO_HOME (so `dojo lab check` sees the runner's progress and workspaces), the `dojo` command
 * (dojo-command.ts) and a prompt that leaves room for commands.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { toolEnv, which } from '../../sandbox/which.ts';
import { installDojoCommand } from './dojo-command.ts';

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
  // Workspaces are DOJO_HOME/workspaces/<lab> (src/shared/paths.ts workspaceDir).
  const home = path.basename(path.dirname(workspace)) === 'workspaces' ? path.dirname(path.dirname(workspace)) : null;
  if (home) {
    env['DOJO_HOME'] = home;
    env['PATH'] = [installDojoCommand(home), env['PATH']].filter(Boolean).join(path.delimiter);
  }
  // The usual bash prompt (user@host:\w) spells out DOJO_HOME/workspaces/<lab>: 60+ characters
  // that wrapped every command in a 74-column terminal. PROMPT_DIRTRIM keeps the user's own
  // prompt and shows only the last folder of \w (`…/terraform-state`); rc files rarely set it.
  env['PROMPT_DIRTRIM'] ??= '1';
  env['TERM'] = 'xterm-256color';
  env['COLORTERM'] = 'truecolor';
  env['DOJO_LAB'] = lab;
  env['DOJO_WORKSPACE'] = workspace;
  return env;
}
