/**
 * The platform pipeline's apply for real (lab platform-prs), with what runs without the
 * hashicorp/aws provider: real OpenTofu, the lab's own `pipeline.tf` and S3 backend block, state
 * and lockfile on moto_server, the pipeline's own environment. Proves the rules the lab teaches:
 * a plan from a laptop is refused before it touches the state; the pipeline applies holding the
 * lock, waits out a colleague's apply by bounded retries, gives up with the lock error after its
 * last attempt, and never retries an error a retry cannot cure.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MotoServer, type StartedMotoServer } from '../../src/sandbox/moto-server.ts';
import { applyWithRetries, type TerraformRun } from '../../src/sandbox/pipeline-apply.ts';
import { pipelineEnv } from '../../src/sandbox/platform-pipeline.ts';
import { which } from '../../src/sandbox/which.ts';
import { labsDir } from '../../src/shared/paths.ts';
import { emulatorClients } from '../helpers/aws-clients.ts';
import { requireTool } from '../helpers/require-tool.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const STARTER = path.join(labsDir, 'platform-prs', 'starter', 'terraform');

// Stand-ins for the bucket requests: terraform_data needs no registry provider. `slow` holds the
// state lock for hold_seconds, as a long apply does.
const MAIN_TF = `
variable "hold_seconds" {
  type    = number
  default = 0
}

resource "terraform_data" "request" {
  input = { bucket = "payments-invoices", applied_by = var.pipeline_run }
}

resource "terraform_data" "slow" {
  triggers_replace = var.pipeline_run
  provisioner "local-exec" {
    command = "sleep \${var.hold_seconds}"
  }
}
`;

const ci = process.env['CI'] === 'true';
let moto: StartedMotoServer | undefined;
const dir = await tempDir('pipeline-apply');
let backend = { bucket: '', key: '' };

beforeAll(async () => {
  if (!ci && !(which('moto_server') && which('tofu'))) return;
  moto = await new MotoServer().start();
  // The lab's own backend block (bucket, key, use_lockfile), without its registry provider.
  const versions = await readFile(path.join(STARTER, 'versions.tf'), 'utf8');
  const block = /^\s*backend "s3" \{[\s\S]*?^\s*\}/m.exec(versions)?.[0];
  if (!block) throw new Error(`no backend "s3" block in ${STARTER}/versions.tf`);
  backend = {
    bucket: /bucket\s*=\s*"([^"]+)"/.exec(block)?.[1] ?? '',
    key: /key\s*=\s*"([^"]+)"/.exec(block)?.[1] ?? '',
  };
  expect(block).toMatch(/use_lockfile\s*=\s*true/);
  await writeFile(path.join(dir.path, 'versions.tf'), `terraform {\n${block}\n}\n`);
  await copyFile(path.join(STARTER, 'pipeline.tf'), path.join(dir.path, 'pipeline.tf'));
  await writeFile(path.join(dir.path, 'main.tf'), MAIN_TF);
  await emulatorClients(moto.endpoint).s3.send(new CreateBucketCommand({ Bucket: backend.bucket }));
  const init = await tofu(['init', '-input=false', '-no-color'], 120_000);
  expect(init.exitCode, init.out).toBe(0);
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  await dir[Symbol.asyncDispose]();
});

/** OpenTofu in the configuration's folder, with the environment the pipeline gives it. */
async function tofu(args: string[], timeoutMs = 120_000): Promise<TerraformRun> {
  if (!moto) throw new Error('moto_server is not running');
  const r = await execa('tofu', args, {
    cwd: dir.path,
    env: pipelineEnv({ aws: { endpoint: moto.endpoint, region: 'us-east-1' }, env: {} }),
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: timeoutMs,
  });
  return { ok: r.exitCode === 0, exitCode: r.exitCode ?? -1, out: String(r.all ?? ''), timedOut: Boolean(r.timedOut) };
}

async function exists(key: string): Promise<boolean> {
  if (!moto) return false;
  try {
    await emulatorClients(moto.endpoint).s3.send(new HeadObjectCommand({ Bucket: backend.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** A colleague's apply (another pipeline run) holding the lock for `seconds`: resolves once it holds it. */
async function colleagueHoldingLock(seconds: number): Promise<{ done: Promise<TerraformRun> }> {
  const run = tofu([
    'apply',
    '-auto-approve',
    '-input=false',
    '-no-color',
    `-var=pipeline_run=colleague-${Date.now()}`,
    `-var=hold_seconds=${seconds}`,
  ]);
  await vi.waitFor(
    async () => {
      expect(await exists(`${backend.key}.tflock`)).toBe(true);
    },
    { timeout: 30_000, interval: 100 },
  );
  // Wrapped: an async function returning the promise itself would wait for the apply to end.
  return { done: run };
}

describe('the platform pipeline applies, alone, holding the state lock', () => {
  it('refuses a plan from a laptop before it touches the state', async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'tofu');
    const plan = await tofu(['plan', '-input=false', '-no-color']);
    expect(plan.ok).toBe(false);
    expect(plan.out).toContain('Applies run from the platform pipeline only');
    expect(await exists(backend.key)).toBe(false);
    expect(await exists(`${backend.key}.tflock`)).toBe(false);
  });

  it('never retries an error a retry cannot cure', async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'tofu');
    const lines: string[] = [];
    const r = await applyWithRetries({
      terraform: (args, ms) => tofu(args, ms),
      pipelineRun: '',
      lockTimeout: '0s',
      attempts: 3,
      applyMs: 120_000,
      backoffMs: () => 100,
      log: (l) => lines.push(l),
    });
    expect(r).toMatchObject({ ok: false, attempts: 1, lockContended: false });
    expect(r.summary).toMatch(/^Error: Invalid value for variable/);
    expect(lines).toEqual([]);
  });

  it("waits out a colleague's apply by retrying, then applies holding the lock", async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'tofu');
    const colleague = await colleagueHoldingLock(6);
    const lines: string[] = [];
    const r = await applyWithRetries({
      terraform: (args, ms) => tofu(args, ms),
      pipelineRun: '42',
      lockTimeout: '0s',
      attempts: 4,
      applyMs: 120_000,
      backoffMs: () => 3000,
      log: (l) => lines.push(l),
    });
    const theirs = await colleague.done;
    expect(theirs.ok, theirs.out).toBe(true);
    expect(r.ok, r.summary).toBe(true);
    expect(r.lockContended).toBe(true);
    expect(r.attempts).toBeGreaterThanOrEqual(2);
    expect(r.summary).toMatch(
      new RegExp(`^Apply complete! .* \\(attempt ${r.attempts} of 4, holding the state lock\\)$`),
    );
    expect(lines[0]).toMatch(/^attempt 1 failed \(Error: Error acquiring the state lock.*\); retrying in 3 s$/);
    // The state says which pipeline run applied the request, and the lock is released.
    const state = await emulatorClients(moto!.endpoint).s3.send(
      new GetObjectCommand({ Bucket: backend.bucket, Key: backend.key }),
    );
    const json = JSON.parse(await state.Body!.transformToString()) as {
      resources: { type: string; name: string; instances: { attributes: { input?: { value?: unknown } } }[] }[];
    };
    const request = json.resources.find((res) => res.name === 'request');
    expect(request?.instances[0]?.attributes.input?.value).toEqual({ bucket: 'payments-invoices', applied_by: '42' });
    expect(await exists(`${backend.key}.tflock`)).toBe(false);
  });

  it('gives up after its last attempt and says the lock is held', async (ctx) => {
    requireTool(ctx, 'moto_server');
    requireTool(ctx, 'tofu');
    const colleague = await colleagueHoldingLock(10);
    const lines: string[] = [];
    const r = await applyWithRetries({
      terraform: (args, ms) => tofu(args, ms),
      pipelineRun: '43',
      lockTimeout: '0s',
      attempts: 2,
      applyMs: 120_000,
      backoffMs: () => 500,
      log: (l) => lines.push(l),
    });
    expect(r).toMatchObject({ ok: false, attempts: 2, lockContended: true });
    expect(r.summary).toMatch(/^Error: Error acquiring the state lock/);
    expect(lines).toHaveLength(1);
    const theirs = await colleague.done;
    expect(theirs.ok, theirs.out).toBe(true);
  });
});
