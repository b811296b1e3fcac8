/**
 * Makes a lab workspace a clone of the lab repository without touching the learner's files: a new
 * workspace gets `git init` + origin + the seed commit as its base (a mixed reset, files on disk
 * stay as they are); an existing one only gets its origin URL refreshed (the port may change).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { toolEnv } from './which.ts';

export async function linkWorkspace(workspace: string, url: string): Promise<void> {
  const git = (...args: string[]) =>
    execa('git', args, {
      cwd: workspace,
      env: { ...toolEnv(), GIT_TERMINAL_PROMPT: '0' },
      reject: false,
      stdin: 'ignore',
    });
  if (existsSync(path.join(workspace, '.git'))) {
    const has = await git('remote', 'get-url', 'origin');
    await (has.exitCode === 0 ? git('remote', 'set-url', 'origin', url) : git('remote', 'add', 'origin', url));
    return;
  }
  await git('init', '--quiet', '--initial-branch=main');
  await git('remote', 'add', 'origin', url);
  const fetched = await git('fetch', '--quiet', 'origin', 'main');
  if (fetched.exitCode === 0) {
    await git('reset', '--quiet', 'origin/main');
    await git('branch', '--quiet', '--set-upstream-to=origin/main', 'main');
  }
}
