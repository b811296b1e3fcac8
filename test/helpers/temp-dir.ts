import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A temporary directory removed on dispose: `await using dir = await tempDir('x')`. */
export async function tempDir(prefix: string): Promise<{ path: string } & AsyncDisposable> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `dojo-${prefix}-`));
  return { path: dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}
