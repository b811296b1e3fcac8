/**
 * The lab Git server with the real git CLI: clone, commit, push, and the refusals a learner may
 * meet. This is what Argo CD's repo-server does against it inside kind (smart HTTP, protocol v2).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { GitServer } from '../../src/sandbox/git-server.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const identity = {
  GIT_AUTHOR_NAME: 'Learner',
  GIT_AUTHOR_EMAIL: 'learner@example.com',
  GIT_COMMITTER_NAME: 'Learner',
  GIT_COMMITTER_EMAIL: 'learner@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

const git = (cwd: string, ...args: string[]) =>
  execa('git', args, { cwd, env: identity, reject: false, stdin: 'ignore', all: true });

async function starter(dir: string): Promise<string> {
  const from = path.join(dir, 'starter');
  await execa('mkdir', ['-p', path.join(from, 'k8s')]);
  await writeFile(
    path.join(from, 'k8s', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site\ndata:\n  banner: hello\n',
  );
  await writeFile(path.join(from, 'README.md'), '# site config\n');
  return from;
}

describe('git server (smart HTTP over git http-backend)', () => {
  it('serves a seeded repository to git clone and accepts a push that moves HEAD', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('git-server');
    await using server = await new GitServer({ root: path.join(dir.path, 'repos') }).start();
    const seeded = await server.createRepository('site-config', { from: await starter(dir.path) });
    expect(seeded.created).toBe(true);
    expect(seeded.head).toMatch(/^[0-9a-f]{40}$/);

    const clone = path.join(dir.path, 'clone');
    const c = await git(dir.path, 'clone', server.repoUrl('site-config'), clone);
    expect(c.exitCode, c.all).toBe(0);
    expect((await git(clone, 'log', '--format=%s')).stdout).toBe('Starter for site-config');
    expect((await git(clone, 'ls-files')).stdout.split('\n').sort()).toEqual(['README.md', 'k8s/configmap.yaml']);

    await writeFile(
      path.join(clone, 'k8s', 'configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site\ndata:\n  banner: changed by commit\n',
    );
    await git(clone, 'commit', '-am', 'Change the banner');
    const p = await git(clone, 'push', 'origin', 'main');
    expect(p.exitCode, p.all).toBe(0);
    const local = (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
    expect(await server.head('site-config', 'main')).toBe(local);
    expect(local).not.toBe(seeded.head);

    // A second clone sees the pushed commit (what Argo CD's next poll sees).
    const again = await git(dir.path, 'ls-remote', server.repoUrl('site-config'), 'refs/heads/main');
    expect(again.stdout.split('\t')[0]).toBe(local);
  });

  it('accepts a push larger than http.postBuffer (chunked, gzip-encoded request bodies)', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('git-server');
    await using server = await new GitServer({ root: path.join(dir.path, 'repos') }).start();
    await server.createRepository('assets', { from: await starter(dir.path) });
    const clone = path.join(dir.path, 'clone');
    await git(dir.path, 'clone', server.repoUrl('assets'), clone);
    // Random bytes do not compress: the pack stays over the 64 KiB postBuffer set below, so git
    // switches to a chunked request with no Content-Length, the case CGI handles by reading to EOF.
    const { randomBytes } = await import('node:crypto');
    await writeFile(path.join(clone, 'hero.bin'), randomBytes(512 * 1024));
    await git(clone, 'add', 'hero.bin');
    await git(clone, 'commit', '-m', 'Add a large asset');
    const p = await git(clone, '-c', 'http.postBuffer=65536', 'push', 'origin', 'main');
    expect(p.exitCode, p.all).toBe(0);
    expect(await server.head('assets')).toBe((await git(clone, 'rev-parse', 'HEAD')).stdout.trim());
  });

  it('speaks protocol v2 and protocol v0 (old clients and go-git)', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('git-server');
    await using server = await new GitServer({ root: path.join(dir.path, 'repos') }).start();
    const { head } = await server.createRepository('apps', { from: await starter(dir.path) });
    for (const version of ['0', '2']) {
      const r = await execa('git', ['-c', `protocol.version=${version}`, 'ls-remote', server.repoUrl('apps')], {
        env: { ...identity, GIT_TRACE_PACKET: '1' },
        reject: false,
        stdin: 'ignore',
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${head}\trefs/heads/main`);
      if (version === '2') expect(r.stderr).toContain('version 2');
    }
  });

  it('refuses pushes to a read-only repository with a reason, and keeps its HEAD', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('git-server');
    await using server = await new GitServer({ root: path.join(dir.path, 'repos') }).start();
    const { head } = await server.createRepository('upstream-docs', { from: await starter(dir.path), writable: false });
    const clone = path.join(dir.path, 'clone');
    expect((await git(dir.path, 'clone', server.repoUrl('upstream-docs'), clone)).exitCode).toBe(0);
    await git(clone, 'commit', '--allow-empty', '-m', 'try to push');
    const p = await git(clone, 'push', 'origin', 'main');
    expect(p.exitCode).not.toBe(0);
    expect(p.all).toMatch(/403/);
    expect(await server.head('upstream-docs')).toBe(head);
  });

  it('answers 404 for unknown repositories and path tricks, never serving files outside its root', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('git-server');
    await using server = await new GitServer({ root: path.join(dir.path, 'repos') }).start();
    await server.createRepository('site-config');
    const missing = await git(dir.path, 'ls-remote', server.repoUrl('nope'));
    expect(missing.exitCode).not.toBe(0);
    expect(missing.all).toMatch(/not found|404/i);
    for (const probe of ['/..%2f..%2fetc%2fpasswd.git/info/refs', '/site-config.git/../../x', '/%2e%2e.git/HEAD']) {
      const res = await fetch(`${server.url}${probe}?service=git-upload-pack`);
      expect(res.status, probe).toBe(404);
    }
    const index = await fetch(`${server.url}/`);
    expect(await index.text()).toContain('/site-config.git');
  });

  it('keeps an existing repository (and the learner history) when seeded again', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('git-server');
    const root = path.join(dir.path, 'repos');
    const from = await starter(dir.path);
    {
      await using first = await new GitServer({ root }).start();
      await first.createRepository('site-config', { from });
      const clone = path.join(dir.path, 'clone');
      await git(dir.path, 'clone', first.repoUrl('site-config'), clone);
      await git(clone, 'commit', '--allow-empty', '-m', 'learner work');
      expect((await git(clone, 'push', 'origin', 'main')).exitCode).toBe(0);
    }
    await using second = await new GitServer({ root }).start();
    const again = await second.createRepository('site-config', { from });
    expect(again.created).toBe(false);
    const log = await git(dir.path, 'ls-remote', second.repoUrl('site-config'), 'refs/heads/main');
    expect(log.stdout.split('\t')[0]).toBe(again.head);
    expect(second.repoUrl('site-config', { forCluster: true })).toBe(second.repoUrl('site-config'));
  });

  it('advertises a different host to pods inside kind than to the terminal', async (ctx) => {
    requireTool(ctx, 'git');
    await using dir = await tempDir('git-server');
    await using server = await new GitServer({ root: dir.path, advertisedHost: 'host.docker.internal' }).start();
    expect(server.repoUrl('site-config')).toBe(`http://127.0.0.1:${server.port}/site-config.git`);
    expect(server.repoUrl('site-config', { forCluster: true })).toBe(
      `http://host.docker.internal:${server.port}/site-config.git`,
    );
  });
});
