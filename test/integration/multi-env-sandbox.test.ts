/**
 * The multi-env sandbox for real on the process provider: the management cluster with Argo CD
 * and the lab Git server start; the lab's Terraform (its modules, the step 1 and 2 solutions) makes
 * dev, staging and prod with `dojo cluster create` from the terminal environment and registers
 * them with Argo CD; the recorder writes who changed which Deployment field, to the millisecond;
 * a Stop stops every cluster and a start brings the three environment clusters back from their
 * data, with the same API servers, so Terraform's state, the kubeconfigs and Argo CD's cluster
 * Secrets stay valid; a setting changed in Terraform changes the running cluster in place, and
 * `destroy` removes the three clusters with their registrations. Also prints the start time and
 * the memory of the four clusters and Argo CD.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sandbox, { environmentClusters } from '../../sandboxes/multi-env.ts';
import { loadLab } from '../../src/labs/load-labs.ts';
import { ensureWorkspace } from '../../src/labs/lab-workspace.ts';
import { readRecordedChanges } from '../../src/sandbox/deployment-change-recorder.ts';
import { listProcessClusters, runningComponents } from '../../src/sandbox/process-cluster.ts';
import { clusterDir, readClusterRecord } from '../../src/sandbox/process-cluster/cluster-record.ts';
import { processProviderProblem } from '../../src/sandbox/process-binaries.ts';
import type { StartedSandbox } from '../../src/sandbox/sandbox.ts';
import { toolEnv } from '../../src/sandbox/which.ts';
import { labsDir } from '../../src/shared/paths.ts';
import { requireProcessProvider, requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { clusterProcessReport } from '../helpers/cluster-diagnosis.ts';

const home = await tempDir('multi-env');
let started: StartedSandbox | undefined;
let workspace = '';
let startSeconds = 0;
const available = processProviderProblem() === null || process.env['CI'] === 'true';
const LAB = path.join(labsDir, 'multi-env-gitops');

/** Resident memory of every process the DOJO_HOME's clusters recorded, in MiB. */
function clusterMemoryMiB(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of listProcessClusters(home.path)) {
    let kib = 0;
    for (const p of runningComponents(readClusterRecord(home.path, c.name))) {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
      kib += Number(m?.[1] ?? 0);
    }
    out[c.name] = Math.round(kib / 1024);
  }
  return out;
}

/** The sandbox running now (a function, so the type checker does not narrow it across a restart). */
const current = (): StartedSandbox | undefined => started;
const start = async () => {
  const t0 = Date.now();
  started = await sandbox.start({ workspace, dojoHome: home.path, dataDir: path.join(home.path, 'data') });
  return (Date.now() - t0) / 1000;
};
const run = (script: string) =>
  execa('bash', [path.join(LAB, script)], {
    cwd: workspace,
    env: { ...toolEnv(), ...started?.env, DOJO_WORKSPACE: workspace },
    extendEnv: false,
    all: true,
    reject: false,
    timeout: 300_000,
  });
const tf = (...args: string[]) =>
  execa(started?.env['TF'] ?? 'tofu', args, {
    cwd: workspace,
    env: { ...toolEnv(), ...started?.env },
    extendEnv: false,
    reject: false,
    timeout: 300_000,
  });
const kubectl = (...args: string[]) =>
  execa('kubectl', args, { env: { ...toolEnv(), ...started?.env }, extendEnv: false, reject: false, timeout: 60_000 });

beforeAll(async () => {
  if (!available) return;
  const lab = await loadLab(labsDir, 'multi-env-gitops');
  workspace = await ensureWorkspace(lab, home.path);
  startSeconds = await start();
}, 240_000);

afterAll(async () => {
  await started?.stop();
  await home[Symbol.asyncDispose]();
});

describe('the multi-env sandbox on the process provider', () => {
  it('starts mgmt with Argo CD, and the lab Terraform makes and registers dev, staging and prod', async (ctx) => {
    requireProcessProvider(ctx);
    requireTool(ctx, 'tofu');
    requireTool(ctx, 'kubeconform');
    expect(started?.services['Kubernetes']).toMatch(/^process cluster mgmt \(Kubernetes v1\.37\.2/);
    expect(started?.env['TF_VAR_dojo_command']).toMatch(/node_modules\/\.bin\/dojo$/);
    const t0 = Date.now();
    const made = await run('solution/provision-clusters.sh');
    expect(made.exitCode, made.all).toBe(0);
    const provisionSeconds = (Date.now() - t0) / 1000;
    const registered = await run('solution/register-clusters.sh');
    expect(registered.exitCode, registered.all).toBe(0);
    expect(
      environmentClusters(home.path).map((c) => [c.name, c.state]),
      clusterProcessReport(home.path),
    ).toEqual([
      ['dev', 'running'],
      ['prod', 'running'],
      ['staging', 'running'],
    ]);
    // Made from the lab terminal's environment: owned by this process (stopped with the lab).
    expect(readClusterRecord(home.path, 'prod')?.owner?.pid).toBe(process.pid);
    const contexts = await kubectl('config', 'get-contexts', '-o', 'name');
    expect(contexts.stdout.split('\n').sort()).toEqual(['dev', 'mgmt', 'prod', 'staging']);
    const secrets = await kubectl(
      '-n',
      'argocd',
      'get',
      'secrets',
      '-l',
      'argocd.argoproj.io/secret-type=cluster',
      '-o',
      'name',
    );
    expect(secrets.stdout.split('\n').sort()).toEqual([
      'secret/cluster-dev',
      'secret/cluster-prod',
      'secret/cluster-staging',
    ]);
    const memory = clusterMemoryMiB();
    const total = Object.values(memory).reduce((a, b) => a + b, 0);
    console.log(
      `multi-env: sandbox ready in ${startSeconds.toFixed(1)} s; terraform apply of three clusters ${provisionSeconds.toFixed(1)} s; memory ${JSON.stringify(memory)} MiB, ${total} MiB in all`,
    );
    expect(total).toBeLessThan(3 * 1024);
  });

  it('records each change of a Deployment with the field manager who made it, to the millisecond', async (ctx) => {
    requireProcessProvider(ctx);
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'probe', namespace: 'payments-dev' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'probe' } },
        template: {
          metadata: { labels: { app: 'probe' } },
          spec: {
            containers: [
              {
                name: 'c',
                image: 'ghcr.io/stefanprodan/podinfo:6.7.0',
                resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
              },
            ],
          },
        },
      },
    });
    const apply = await execa('kubectl', ['--context', 'dev', 'apply', '--field-manager=probe-owner', '-f', '-'], {
      env: { ...toolEnv(), ...started?.env },
      input: manifest,
      reject: false,
    });
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(
      (await kubectl('--context', 'dev', '-n', 'payments-dev', 'scale', 'deployment', 'probe', '--replicas=3'))
        .exitCode,
    ).toBe(0);
    const log = path.join(started?.env['DOJO_CHANGE_LOG_DIR'] ?? '', 'dev.jsonl');
    let lines: Awaited<ReturnType<typeof readRecordedChanges>> = [];
    for (let i = 0; i < 50; i++) {
      lines = (await readRecordedChanges(log)).filter((l) => l.name === 'probe');
      if (lines.some((l) => l.replicas === 3)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(
      lines.map((l) => [
        l.replicas,
        l.managers.map((m) => m.manager + (m.subresource ? `/${m.subresource}` : '')).sort(),
      ]),
    ).toEqual([
      [1, ['probe-owner']],
      [3, ['kubectl/scale', 'probe-owner']],
    ]);
    expect(lines[1]?.at).toMatch(/\.\d{3}Z$/);
  });

  it('stops the environment clusters with the lab and brings them back from their data', async (ctx) => {
    requireProcessProvider(ctx);
    const servers = Object.fromEntries(listProcessClusters(home.path).map((c) => [c.name, c.server]));
    await started?.stop();
    expect(listProcessClusters(home.path).map((c) => [c.name, c.state])).toEqual([
      ['dev', 'stopped'],
      ['mgmt', 'stopped'],
      ['prod', 'stopped'],
      ['staging', 'stopped'],
    ]);
    const seconds = await start();
    const again = current();
    console.log(`multi-env: restarted with three environment clusters from their data in ${seconds.toFixed(1)} s`);
    expect(again?.services['Environments']).toBe('dev, prod, staging (restarted from their data: dev, prod, staging)');
    expect(Object.fromEntries(listProcessClusters(home.path).map((c) => [c.name, c.server]))).toEqual(servers);
    const quota = await kubectl(
      '--context',
      'prod',
      '-n',
      'payments-prod',
      'get',
      'resourcequota',
      'team-quota',
      '-o',
      'jsonpath={.spec.hard.requests\\.memory}',
    );
    expect(quota.stdout).toBe('4Gi');
    // Terraform sees nothing to change: state, clusters and registrations still agree.
    const plan = await tf('plan', '-detailed-exitcode', '-input=false', '-no-color');
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
  });

  it('changes a setting in place from Terraform, and destroy removes the clusters and their registrations', async (ctx) => {
    requireProcessProvider(ctx);
    const servers = Object.fromEntries(listProcessClusters(home.path).map((c) => [c.name, c.server]));
    // dev's quota, 1Gi in the step 1 solution, becomes 1536Mi: the cluster stays, the quota changes.
    const tfvars = path.join(workspace, 'terraform.tfvars');
    const before = readFileSync(tfvars, 'utf8');
    const after = before.replace('memory = "1Gi"', 'memory = "1536Mi"');
    expect(after).not.toBe(before);
    writeFileSync(tfvars, after);
    const plan = await tf('plan', '-input=false', '-no-color');
    expect(plan.stdout).toMatch(/module\.cluster\["dev"\]\.terraform_data\.guardrails must be replaced/);
    expect(plan.stdout).not.toMatch(/module\.cluster\["dev"\]\.terraform_data\.cluster must be replaced/);
    const apply = await tf('apply', '-auto-approve', '-input=false', '-no-color');
    expect(apply.exitCode, apply.stdout + apply.stderr).toBe(0);
    const quota = await kubectl(
      '--context',
      'dev',
      '-n',
      'payments-dev',
      'get',
      'resourcequota',
      'team-quota',
      '-o',
      'jsonpath={.spec.hard.requests\\.memory}',
    );
    expect(quota.stdout).toBe('1536Mi');
    expect(Object.fromEntries(listProcessClusters(home.path).map((c) => [c.name, c.server]))).toEqual(servers);

    const destroy = await tf('destroy', '-auto-approve', '-input=false', '-no-color');
    expect(destroy.exitCode, destroy.stdout + destroy.stderr).toBe(0);
    expect(listProcessClusters(home.path).map((c) => c.name)).toEqual(['mgmt']);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(existsSync(clusterDir(home.path, env))).toBe(false);
    }
    const secrets = await kubectl(
      '--context',
      'mgmt',
      '-n',
      'argocd',
      'get',
      'secrets',
      '-l',
      'argocd.argoproj.io/secret-type=cluster',
      '-o',
      'name',
    );
    expect(secrets.exitCode, secrets.stderr).toBe(0);
    expect(secrets.stdout).toBe('');
    const state = await tf('state', 'list');
    expect(state.stdout.trim()).toBe('');
  });
});
