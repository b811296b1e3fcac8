/**
 * A real `astro build` over a deliberately broken lab fails, naming the file, the field and the
 * fix. Each fixture is built alone (Astro stops at the first broken entry, in no fixed order).
 */
import { cp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'labs-broken');

const cases: [string, RegExp[]][] = [
  [
    'bad-fields',
    [
      /level: expected "level" to be one of beginner, intermediate, advanced, found "expert"/,
      /minutes: expected "minutes" to be a number, e\.g\. minutes: 45, found "forty"/,
    ],
  ],
  [
    'dup-steps',
    [/steps\.1\.id: duplicate step id "apply": every step id must be unique within the lab; rename one of them/],
  ],
  [
    'unknown-kind',
    [
      /steps\.0\.checks\.0\.kind: unknown check kind "terraform\.resouce"; did you mean "terraform\.resource"\?/,
      /steps\.1\.checks: every step needs at least one check under "checks"/,
    ],
  ],
];

describe('site build with broken lab frontmatter', () => {
  it.each(cases)('%s fails the build naming file, field and fix', async (name, expected) => {
    await using dir = await tempDir(`broken-${name}`);
    const labs = path.join(dir.path, 'labs');
    await mkdir(labs);
    await cp(path.join(fixtures, name), path.join(labs, name), { recursive: true });
    const r = await execa(
      process.execPath,
      [path.join(repoRoot, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', path.join(dir.path, 'dist')],
      {
        cwd: repoRoot,
        env: {
          DOJO_LABS_DIR: labs,
          DOJO_ASTRO_CACHE_DIR: path.join(os.tmpdir(), `dojo-broken-cache-${process.pid}-${name}`),
          ASTRO_TELEMETRY_DISABLED: '1',
          NO_COLOR: '1',
        },
        reject: false,
        all: true,
      },
    );
    expect(r.exitCode).not.toBe(0);
    const out = String(r.all);
    expect(out).toContain(path.join(name, 'index.mdx'));
    for (const re of expected) expect(out).toMatch(re);
  });
});
