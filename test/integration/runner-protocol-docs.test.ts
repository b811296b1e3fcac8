/**
 * The README's terminal-protocol example is run as written (only the port and the module path of
 * `ws` are adapted), against a real runner: documentation that drifts from the protocol fails here.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
import { labsDir, repoRoot } from '../../src/shared/paths.ts';
import { startTestRunner, TOKEN } from '../helpers/runner-harness.ts';

async function readmeSnippet(): Promise<string> {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const after = readme.split('A script can drive a terminal')[1] ?? '';
  const block = /```js\n([\s\S]*?)```/.exec(after)?.[1];
  if (!block) throw new Error('expected a ```js block after "A script can drive a terminal" in README.md');
  return block;
}

describe('README terminal protocol example', () => {
  it('runs against the runner and prints the shell output', async () => {
    await using t = await startTestRunner({ labsDir });
    const host = `127.0.0.1:${t.runner.port}`;
    const source = (await readmeSnippet())
      .replaceAll('127.0.0.1:4321', host)
      .replace(`from 'ws'`, `from '${path.join(repoRoot, 'node_modules', 'ws', 'wrapper.mjs')}'`);
    const file = path.join(os.tmpdir(), `dojo-readme-snippet-${process.pid}.mjs`);
    await writeFile(file, source);
    const child = execa(process.execPath, [file], { env: { DOJO_TOKEN: TOKEN }, buffer: false, reject: false });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    try {
      await vi.waitFor(() => expect(out).toMatch(/lab=terraform-state\r?\n/), { timeout: 15_000 });
    } finally {
      child.kill('SIGKILL');
      await child;
      await rm(file, { force: true });
    }
  });
});
