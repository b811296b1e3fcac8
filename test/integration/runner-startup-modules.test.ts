/**
 * What a runner loads before anybody asks for Docker or a cluster: not the container stack
 * (testcontainers, dockerode, gRPC, ssh2) nor the X.509 stack a process cluster's PKI needs.
 * They are imported where a container is started or a PKI made. Loaded at startup they doubled
 * the runner's heap (66.7 against 36.0 MB in a heap snapshot), and a bigger heap makes every full
 * GC dearer, which bench:terminal's throughput felt. Also: V8's young generation stays small.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDojo, tempHome } from '../helpers/dojo-process.ts';
import { connectTerminal } from '../helpers/runner-harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('runner startup', () => {
  it('loads neither the container nor the X.509 stack, even after a lab progress request and a terminal, and keeps a small young generation', async () => {
    const home = await tempHome(cleanups);
    const log = path.join(home, 'loaded.txt');
    const heapFile = path.join(home, 'new-space.json');
    const hook = path.join(home, 'record-loads.mjs');
    // A module hook of Node's own (module.registerHooks): every module the runner loads, in order;
    // and at exit, the size of V8's young generation ("new_space").
    await writeFile(
      hook,
      `import { registerHooks } from 'node:module';
import { appendFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); } });
process.on('exit', () => writeFileSync(${JSON.stringify(heapFile)}, JSON.stringify(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space'))));
`,
    );
    const dojo = await startDojo(home, cleanups, { env: { NODE_OPTIONS: `--import ${hook}` } });
    expect((await dojo.api('/api/health')).status).toBe(200);
    expect((await dojo.api('/api/labs/sleepy-lab/progress')).status).toBe(200);
    const term = await connectTerminal(dojo.origin, 'sleepy-lab');
    await term.attached;
    term.type('echo loaded-$((6*7))\r');
    await term.waitForText('loaded-42');
    await term.close();
    const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    // The hook saw the runner's own modules: it works, so an absence below means something.
    expect(loaded.some((url) => url.includes('/src/runner/runner-server.ts'))).toBe(true);
    const heavy = loaded.filter((url) =>
      /\/node_modules\/(testcontainers|@testcontainers|dockerode|docker-modem|@grpc|ssh2|@peculiar)\//.test(url),
    );
    expect(heavy).toEqual([]);
    expect(await dojo.terminate()).toBe(0);
    // bin/dojo.mjs keeps the young generation at its initial size (--semi-space-growth-factor=1):
    // left to grow, it reached 32 MiB during startup alone, and V8 then ran full GCs back to back
    // on a terminal flood. A Node that ignored the flag set at runtime would show here.
    const newSpace = JSON.parse(await readFile(heapFile, 'utf8')) as { space_size: number };
    expect(newSpace.space_size).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});
