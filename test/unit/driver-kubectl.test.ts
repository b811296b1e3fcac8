/**
 * Contract of the kubectl wrapper: the real kubectl against an unreachable API server (what a
 * stopped kind cluster looks like), and the classification of kubectl's error texts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kubectl, KubectlError, classifyKubectlError } from '../../src/sandbox/kubectl.ts';
import { freePort } from '../../src/sandbox/free-port.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');

describe('kubectl wrapper', () => {
  it('classifies kubectl error texts', async () => {
    expect(classifyKubectlError(await captured('kubectl-get.connection-refused.stderr'))).toBe('unreachable');
    expect(classifyKubectlError('Error from server (NotFound): applications.argoproj.io "team-site" not found')).toBe(
      'not-found',
    );
    expect(classifyKubectlError('error: the server doesn\'t have a resource type "applications"')).toBe(
      'no-resource-type',
    );
    expect(classifyKubectlError('Error from server (NotFound): the server could not find the requested resource')).toBe(
      'no-resource-type',
    );
    expect(
      classifyKubectlError('Error from server (Forbidden): configmaps is forbidden: User "x" cannot list resource'),
    ).toBe('forbidden');
  });

  it('runs the real kubectl with only the sandbox KUBECONFIG and reports an unreachable cluster plainly', async (ctx) => {
    const binary = requireTool(ctx, 'kubectl');
    await using dir = await tempDir('kubectl');
    const port = await freePort();
    const kubeconfig = path.join(dir.path, 'kubeconfig');
    await writeFile(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\n  name: kind-dojo-gitops\ncontexts:\n- context:\n    cluster: kind-dojo-gitops\n    user: u\n  name: kind-dojo-gitops\ncurrent-context: kind-dojo-gitops\nusers:\n- name: u\n  user:\n    token: t\n`,
    );
    // A learner's own KUBECONFIG must not leak in: the wrapper sets it explicitly.
    const k = new Kubectl(kubeconfig, { binary, env: { ...process.env, KUBECONFIG: '/nonexistent/learner-config' } });
    const err = await k.get('applications.argoproj.io', 'team-site', 'argocd').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubectlError);
    expect((err as KubectlError).problem).toBe('unreachable');
    expect((err as KubectlError).message).toContain(`127.0.0.1:${port}`);
    expect((err as KubectlError).message).toMatch(/is the kind cluster running/);
    expect(await k.ready(5000)).toBe(false);
  });
});
