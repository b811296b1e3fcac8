/**
 * A real `astro build` over deliberately broken labs fails, naming the file, the field and the fix.
 */
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';

describe('site build with broken lab frontmatter', () => {
  it('fails and names file, field and fix', async () => {
    const outDir = path.join(os.tmpdir(), `dojo-broken-build-${process.pid}`);
    const r = await execa(
      process.execPath,
      [path.join(repoRoot, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', outDir],
      {
        cwd: repoRoot,
        env: {
          DOJO_LABS_DIR: 'test/fixtures/labs-broken',
          DOJO_ASTRO_CACHE_DIR: path.join(os.tmpdir(), `dojo-broken-cache-${process.pid}`),
          ASTRO_TELEMETRY_DISABLED: '1',
          NO_COLOR: '1',
        },
        reject: false,
        all: true,
      },
    );
    expect(r.exitCode).not.toBe(0);
    const out = String(r.all);
    expect(out).toMatch(/labs-broken\/(bad-fields|dup-steps)\/index\.mdx/);
    if (out.includes('bad-fields')) {
      expect(out).toContain('level: expected "level" to be one of beginner, intermediate, advanced, found "expert"');
      expect(out).toContain('minutes: expected "minutes" to be a number, e.g. minutes: 45, found "forty"');
    } else {
      expect(out).toMatch(/duplicate step id "apply".*rename one of them/);
    }
  });
});
