/**
 * The gitops sandbox's parts that run without an engine: the up-front requirements check (what a
 * learner without Docker sees on the lab page), progress over parallel phases, the per-DOJO_HOME
 * cluster name, and the workspace becoming a clone of the lab repository on the real Git server.
 */
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import gitops, {
  PhaseProgress,
  SandboxRequirementsError,
  clusterName,
  linkWorkspace,
  preflight,
} from '../../sandboxes/gitops.ts';
import { GitServer } from '../../src/sandbox/git-server.ts';
import { dojoHome, repoRoot } from '../../src/shared/paths.ts';
import type { SandboxProgress } from '../../src/sandbox/sandbox.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');

describe('gitops sandbox', () => {
  it('refuses to start without an engine, naming it and how to get it, before pulling anything', async () => {
    await using dir = await tempDir('gitops');
    const bin = path.join(dir.path, 'bin');
    await mkdir(bin);
    await writeFile(
      path.join(bin, 'docker'),
      `#!/bin/sh\necho "${(await captured('docker-version.no-engine.stderr')).trim()}" >&2\nexit 1\n`,
    );
    await chmod(path.join(bin, 'docker'), 0o755);
    // Docker chosen explicitly: its problem is named first, with the way out.
    const env = {
      ...process.env,
      DOJO_PROVIDER: 'docker',
      PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`,
    };
    const lab = { dojoHome: dir.path, lab: 's3-static-site' };
    const { problems } = await preflight(env, lab);
    expect(problems[0]).toMatch(
      /^Docker or Podman: The docker CLI is installed but no container engine answered \(docker: Cannot connect to the Docker daemon/,
    );
    // Neither Docker nor the process sandbox: both ways out are named.
    const neither = await preflight(
      { ...env, DOJO_PROVIDER: 'auto', DOJO_PROCESS_CLUSTER_HOME: path.join(dir.path, 'none') },
      lab,
    );
    expect(neither.problems.slice(0, 2)).toEqual([
      expect.stringMatching(/^Docker or Podman: The docker CLI is installed but no container engine answered/),
      expect.stringMatching(
        /^Without Docker: the process provider needs .*share\/kwok\/stages.yaml.*Fix: run "npx dojo sandbox install"/,
      ),
    ]);
    expect(new SandboxRequirementsError(problems).message).toMatch(
      /^The gitops sandbox cannot start on this machine\. Missing:\n {2}- Docker or Podman: /,
    );
  });

  it('fails start() on a machine without an engine with the requirements error, and nothing else', async () => {
    await using dir = await tempDir('gitops');
    const { problems } = await preflight(
      { ...process.env, DOJO_PROVIDER: 'docker' },
      { dojoHome: dir.path, lab: 's3-static-site' },
    );
    if (problems.length === 0) {
      // Every tool is here: starting for real is the docker suite's job (test/docker/).
      expect(problems).toEqual([]);
      return;
    }
    const events: SandboxProgress[] = [];
    const saved = process.env['DOJO_PROVIDER'];
    process.env['DOJO_PROVIDER'] = 'docker';
    try {
      await expect(
        gitops.start({ workspace: dir.path, dojoHome: dir.path, onProgress: (p) => events.push(p) }),
      ).rejects.toBeInstanceOf(SandboxRequirementsError);
    } finally {
      if (saved === undefined) delete process.env['DOJO_PROVIDER'];
      else process.env['DOJO_PROVIDER'] = saved;
    }
    expect(events.map((e) => e.phase)).toEqual(['preflight', 'preflight']);
  });

  it('reports one percentage over phases that run in parallel, with elapsed seconds', () => {
    const seen: SandboxProgress[] = [];
    const p = new PhaseProgress({ a: 1, b: 3 }, (e) => seen.push(e));
    p.update('b', 0.5, 'half of b');
    p.update('a', 1, 'a done');
    p.update('b', 0.25, 'late, lower report'); // never goes backwards
    expect(seen.map((e) => e.percent)).toEqual([38, 63, 63]);
    expect(seen[0]?.message).toMatch(/^half of b \(\d+ s\)$/);
  });

  it('names the cluster per DOJO_HOME so a self-test never touches the learner cluster', () => {
    expect(clusterName(dojoHome())).toBe('dojo-gitops');
    expect(clusterName('/tmp/dojo-selftest-s3-static-site-abc')).toMatch(/^dojo-gitops-[0-9a-f]{6}$/);
  });

  it('makes the workspace a clean clone of the seeded lab repository, and only updates origin later', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('gitops');
    const starter = path.join(repoRoot, 'labs', 's3-static-site', 'starter');
    const workspace = path.join(dir.path, 'workspace');
    await cp(starter, workspace, { recursive: true });
    await using server = await new GitServer({ root: path.join(dir.path, 'git') }).start();
    const { head } = await server.createRepository('team-site', { from: starter });
    await linkWorkspace(workspace, server.repoUrl('team-site'));
    const git = (...args: string[]) =>
      execa('git', args, { cwd: workspace, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect((await git('rev-parse', 'HEAD')).stdout).toBe(head);
    expect((await git('status', '--porcelain')).stdout).toBe('');
    expect((await git('ls-files')).stdout.split('\n')).toContain('k8s/configmap.yaml');
    expect((await git('rev-parse', '--abbrev-ref', 'main@{upstream}')).stdout).toBe('origin/main');
    await linkWorkspace(workspace, 'http://127.0.0.1:1/team-site.git');
    expect((await git('remote', 'get-url', 'origin')).stdout).toBe('http://127.0.0.1:1/team-site.git');
    expect((await git('rev-parse', 'HEAD')).stdout).toBe(head);
  });
});
