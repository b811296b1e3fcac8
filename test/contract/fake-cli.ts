/**
 * Fake `kind` and `kubectl` binaries for the driver contract tests: the one edge this machine
 * cannot run (no container engine). Each fake records its argv (one JSON line per call in
 * calls.jsonl) and answers from a small state file the test sets up, printing the real tools'
 * output texts (see test/fixtures/captured/). The drivers under test run them as they would run
 * the real CLIs: by path, through execa, with the environment they build.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface FakeState {
  /** kind: clusters that exist. */
  clusters: string[];
  /** kind: lines printed on stderr by `create cluster` (kind's progress). */
  createLines?: string[];
  /** kind: stderr and exit code of every command (an engine that does not answer). */
  failWith?: { stderr: string; exitCode: number };
  /** kubectl: whether /readyz answers ok. */
  ready?: boolean;
  /** kubectl: `get <resource> <name> -n <ns>` → object, keyed "resource/ns/name". */
  objects?: Record<string, unknown>;
  /** kubectl: `get <resource> -n <ns>` → list, keyed "resource/ns"; a list of lists is served in turn. */
  lists?: Record<string, unknown[]>;
}

export interface FakeBin {
  dir: string;
  env: NodeJS.ProcessEnv;
  calls(): Promise<string[][]>;
  state(): Promise<FakeState>;
  setState(s: FakeState): Promise<void>;
}

/** Puts fake `kind` and `kubectl` first on PATH (the rest of PATH keeps git and node). */
export async function fakeBins(root: string, initial: FakeState): Promise<FakeBin> {
  const dir = path.join(root, 'fake-bin');
  await mkdir(dir, { recursive: true });
  const stateFile = path.join(root, 'fake-state.json');
  const callsFile = path.join(root, 'calls.jsonl');
  await writeFile(stateFile, JSON.stringify(initial));
  await writeFile(callsFile, '');
  for (const name of ['kind', 'kubectl']) {
    const file = path.join(dir, name);
    await writeFile(file, `#!${process.execPath}\nimport(${JSON.stringify(path.join(here, `fake-${name}.mjs`))});\n`);
    await chmod(file, 0o755);
  }
  const env = {
    ...process.env,
    PATH: `${dir}${path.delimiter}${process.env['PATH'] ?? ''}`,
    FAKE_STATE: stateFile,
    FAKE_CALLS: callsFile,
  };
  return {
    dir,
    env,
    calls: async () =>
      (await readFile(callsFile, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[]),
    state: async () => JSON.parse(await readFile(stateFile, 'utf8')) as FakeState,
    setState: (s) => writeFile(stateFile, JSON.stringify(s)),
  };
}
