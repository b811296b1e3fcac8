/**
 * Ports for sandbox services: below the kernel's ephemeral range (where outgoing connections take
 * their local ports), and never the same for two processes asking at once. CI saw both races: a
 * cluster's etcd dying of "address already in use" when three clusters were created in parallel.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLAIM_MS, claimFreePort, claimedPorts, ephemeralRange, freePort } from '../../src/sandbox/free-port.ts';
import { repoRoot } from '../../src/shared/paths.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('freePort', () => {
  it('hands out ports below the ephemeral range, free to bind', async () => {
    await using cache = await tempDir('ports');
    process.env['XDG_CACHE_HOME'] = cache.path;
    try {
      const [low] = ephemeralRange();
      for (let i = 0; i < 20; i++) {
        const port = await freePort();
        expect(port).toBeLessThan(low);
        expect(port).toBeGreaterThanOrEqual(1024);
      }
    } finally {
      delete process.env['XDG_CACHE_HOME'];
    }
  });

  it('never gives one port to two processes asking at the same time', async () => {
    await using cache = await tempDir('ports');
    const script = `
      import { freePort } from ${JSON.stringify(path.join(repoRoot, 'src/sandbox/free-port.ts'))};
      const ports = [];
      for (let i = 0; i < 60; i++) ports.push(await freePort());
      console.log(JSON.stringify(ports));
    `;
    const children = await Promise.all(
      [1, 2, 3, 4].map(() =>
        execa(process.execPath, ['--input-type=module', '-e', script], { env: { XDG_CACHE_HOME: cache.path } }),
      ),
    );
    const all = children.flatMap((c) => JSON.parse(c.stdout) as number[]);
    expect(all).toHaveLength(240);
    expect(new Set(all).size).toBe(240);
  });
});

describe('claimFreePort', () => {
  it('skips ports another process claimed, and takes over claims older than CLAIM_MS', async () => {
    await using dir = await tempDir('claims');
    const pool = { low: 21_000, high: 21_003, claimsDir: path.join(dir.path, 'claims') };
    mkdirSync(pool.claimsDir);
    for (const p of [21_000, 21_001, 21_002]) writeFileSync(path.join(pool.claimsDir, String(p)), '1 then\n');
    // Candidates in order 21000, 21001, 21002, 21003: only the last is unclaimed.
    let n = 0;
    const inOrder = () => n++ / 4;
    expect(await claimFreePort(pool, '127.0.0.1', inOrder)).toBe(21_003);
    expect(claimedPorts(pool).sort()).toEqual([21_000, 21_001, 21_002, 21_003]);

    // An old claim (a process that died mid-start ten minutes ago) no longer holds its port.
    const old = (Date.now() - CLAIM_MS - 60_000) / 1000;
    utimesSync(path.join(pool.claimsDir, '21001'), old, old);
    n = 0;
    expect(await claimFreePort(pool, '127.0.0.1', inOrder)).toBe(21_001);
  });

  it('says what it expected, what it found and what to do when every port is claimed', async () => {
    await using dir = await tempDir('claims');
    const pool = { low: 21_010, high: 21_011, claimsDir: path.join(dir.path, 'claims') };
    mkdirSync(pool.claimsDir);
    for (const p of [21_010, 21_011]) writeFileSync(path.join(pool.claimsDir, String(p)), '1 then\n');
    await expect(claimFreePort(pool)).rejects.toThrow(
      /expected a free port between 21010 and 21011 .* found none in 200 tries; fix: .*claims/,
    );
  });
});
