/**
 * A real `astro build` over a deliberately broken question bank (DOJO_INTERVIEW_DIR, read by
 * src/content.config.ts exactly as DOJO_LABS_DIR is for labs) fails, naming the file, each bad
 * field, and what was expected.
 */
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/shared/paths.ts';

describe('site build with a broken interview entry', () => {
  it('fails and names file, fields and fix', async () => {
    const outDir = path.join(os.tmpdir(), `dojo-broken-interview-build-${process.pid}`);
    const r = await execa(
      process.execPath,
      [path.join(repoRoot, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', outDir],
      {
        cwd: repoRoot,
        env: {
          DOJO_INTERVIEW_DIR: 'test/fixtures/interview-broken',
          DOJO_ASTRO_CACHE_DIR: path.join(os.tmpdir(), `dojo-broken-interview-cache-${process.pid}`),
          ASTRO_TELEMETRY_DISABLED: '1',
          NO_COLOR: '1',
        },
        reject: false,
        all: true,
      },
    );
    expect(r.exitCode).not.toBe(0);
    const out = String(r.all);
    expect(out).toContain('interview-broken/bad-entry.yaml');
    expect(out).toContain('level: expected "level" to be one of junior, mid, senior, found "expert"');
    expect(out).toMatch(/talkingPoints\.1\.match: expected "match": a list of phrases the matcher looks for, e\.g\./);
    expect(out).toContain('sampleAnswer: the sample answer is too short (22 characters): write at least 200');
    expect(out).toContain('followUps: expected two follow-up questions an interviewer would ask next, found 1');
  });
});
