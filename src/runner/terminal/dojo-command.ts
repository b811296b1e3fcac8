/**
 * The `dojo` command inside lab terminals. The shell starts in the lab's workspace, outside this
 * project, where `npx dojo` cannot see the project's CLI (it would look the name up in the npm
 * registry instead, where `dojo` is an unrelated package). So the runner writes a small launcher
 * to `DOJO_HOME/node_modules/.bin/dojo`, which serves both ways in:
 *
 * - the shell's PATH starts with that folder, so `dojo lab check ...` works;
 * - npx looks for `node_modules/.bin/<name>` in every folder above the working directory before it
 *   asks the registry, and workspaces live under DOJO_HOME, so `npx dojo ...` finds it too.
 *
 * The launcher runs this checkout's bin/dojo.mjs with the Node that runs the runner (the `node` on
 * the learner's PATH may be older than the 22.18 the CLI needs). It is rewritten only when its text
 * changes (another checkout, another Node).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../shared/paths.ts';

/** Single-quoted for sh: the only character that needs care inside '' is ' itself. */
const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Writes the launcher if needed and returns the folder to put first on the shell's PATH. */
export function installDojoCommand(home: string, node = process.execPath, root = repoRoot): string {
  const binDir = path.join(home, 'node_modules', '.bin');
  const posix = [
    '#!/bin/sh',
    '# Written by the GitOps Dojo runner (src/runner/terminal/dojo-command.ts): `dojo` and `npx dojo`',
    '# in lab terminals run the CLI of the checkout the runner runs from.',
    `exec ${shQuote(node)} ${shQuote(path.join(root, 'bin', 'dojo.mjs'))} "$@"`,
    '',
  ].join('\n');
  const windows = `@"${node}" "${path.join(root, 'bin', 'dojo.mjs')}" %*\r\n`;
  mkdirSync(binDir, { recursive: true });
  for (const [name, text] of [
    ['dojo', posix],
    ['dojo.cmd', windows],
  ] as const) {
    const file = path.join(binDir, name);
    let current: string | null = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // not written yet
    }
    if (current !== text) writeFileSync(file, text);
    chmodSync(file, 0o755);
  }
  return binDir;
}
