/**
 * The lab terminal's shell as a learner meets it (issue 12, item 6): the prompt leaves room for a
 * command in a 74-column terminal, and the `dojo` CLI the README shows works there, both as
 * `dojo` and as `npx dojo`, although the shell starts in the workspace, outside the project.
 * Real runner, real PTY, real bash with the machine's own rc files.
 */
import { describe, expect, it } from 'vitest';
import { startTestRunner } from '../helpers/runner-harness.ts';

const LAB = 'sleepy-lab';
/** What the learner sees of the prompt: OSC (window title) and CSI sequences removed. */
const visible = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

describe('the lab shell', () => {
  it('has a prompt short enough for a 74-column terminal', async () => {
    await using t = await startTestRunner();
    const term = await t.terminal(LAB, { cols: 74, rows: 24 });
    await term.attached;
    // ${PS1@P} is the prompt as bash prints it; the markers are computed so the echo of the typed line never matches.
    term.type(`p="\${PS1@P}"; printf 'PROMPT<%s>%s\\n' "$p" "$((40+2))"\r`);
    await term.waitForText(/PROMPT<[^\n]*>42/);
    const prompt = visible(/PROMPT<([^\n]*)>42/.exec(term.text())?.[1] ?? '');
    expect(prompt).toContain(LAB);
    // Before: root@vm:/tmp/dojo-runner-home-XXXXXX/workspaces/sleepy-lab# (59 characters).
    expect(prompt.length).toBeLessThanOrEqual(32);
    await term.close();
  });

  it('runs `dojo lab …` and `npx dojo lab …` from the workspace, against the runner’s DOJO_HOME', async () => {
    await using t = await startTestRunner();
    const term = await t.terminal(LAB, { cols: 200, rows: 50 });
    await term.attached;
    term.type(`echo "home=$DOJO_HOME pwd=$(basename "$PWD") $((6*7))"\r`);
    await term.waitForText(`home=${t.home} pwd=${LAB} 42`);
    // `help` rather than `lab list`: the point is that the command is found and runs, whatever
    // state the repository's labs are in.
    term.type(`dojo help | grep -c '^Usage: dojo <command>'; echo "plain-exit=\${PIPESTATUS[0]} $((6*7))"\r`);
    await term.waitForText(/\b1\r\nplain-exit=0 42/, 60_000);
    term.type(`npx --no-install dojo lab --help | grep -c 'dojo lab'; echo "npx-exit=\${PIPESTATUS[0]} $((6*7))"\r`);
    await term.waitForText(/\b[1-9]\d*\r\nnpx-exit=0 42/, 60_000);
    await term.close();
  }, 120_000);
});
