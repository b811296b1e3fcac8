/**
 * Evidence about a Terraform/OpenTofu workspace, each piece gathered at most once per check run
 * through the run's Observations memo:
 *
 * - backend: from `.terraform/terraform.tfstate`, which `init` writes (what the learner actually
 *   initialised, not what the .tf files say they want);
 * - raw state v4: the local file or the backend's S3 object read directly (no provider start-up,
 *   so it is the fast path for serial/lineage/lock questions);
 * - `show -json`: resources with values, across modules (starts providers: slower);
 * - `plan -detailed-exitcode`, saved and read back with `show -json`: drift, as addresses and actions.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { CheckEnvironmentError, type CheckContext } from '../check-kind.ts';
import { detectTerraformCli, TerraformNotFoundError, type TerraformCli } from '../../sandbox/terraform-cli.ts';
import { emulatorDown, emulatorEndpoint, isNotFound, s3For } from './aws-clients.ts';

export interface BackendInfo {
  type: string;
  config: Record<string, unknown>;
  /** Whether `init` recorded this backend (.terraform/terraform.tfstate). A workspace with only
   * built-in providers and the local backend needs no init at all, so false is not an error. */
  recorded: boolean;
}

const backendFileSchema = z
  .object({ backend: z.object({ type: z.string(), config: z.record(z.string(), z.unknown()) }).optional() })
  .loose();

export const rawStateSchema = z
  .object({
    version: z.number(),
    serial: z.number(),
    lineage: z.string(),
    terraform_version: z.string().optional(),
    resources: z.array(z.unknown()).default([]),
    outputs: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();
export type RawState = z.infer<typeof rawStateSchema>;

export interface StateResource {
  address: string;
  mode: string;
  type: string;
  name: string;
  index?: number | string | undefined;
  provider_name: string;
  values: Record<string, unknown>;
  sensitive_values?: unknown;
  /** Module address, '' for the root module. */
  module: string;
}

const resourceSchema = z
  .object({
    address: z.string(),
    mode: z.string(),
    type: z.string(),
    name: z.string(),
    index: z.union([z.number(), z.string()]).optional(),
    provider_name: z.string(),
    values: z.record(z.string(), z.unknown()).nullable().default({}),
    sensitive_values: z.unknown().optional(),
  })
  .loose();

interface ModuleJson {
  address?: string | undefined;
  resources: z.infer<typeof resourceSchema>[];
  child_modules: ModuleJson[];
}
const moduleSchema: z.ZodType<ModuleJson> = z.lazy(() =>
  z
    .object({
      address: z.string().optional(),
      resources: z.array(resourceSchema).default([]),
      child_modules: z.array(moduleSchema).default([]),
    })
    .loose(),
) as z.ZodType<ModuleJson>;

export const showJsonSchema = z
  .object({
    format_version: z
      .string()
      .refine((v) => v.split('.')[0] === '1', { error: 'expected show -json format_version 1.x' }),
    terraform_version: z.string().optional(),
    values: z
      .object({
        outputs: z
          .record(z.string(), z.object({ value: z.unknown(), sensitive: z.boolean().default(false) }).loose())
          .default({}),
        root_module: moduleSchema,
      })
      .loose()
      .optional(),
  })
  .loose();
export type ShowJson = z.infer<typeof showJsonSchema>;

/** Every resource instance in every module, flattened. */
export function allResources(show: ShowJson): StateResource[] {
  const out: StateResource[] = [];
  const walk = (mod: ModuleJson) => {
    for (const r of mod.resources) out.push({ ...r, values: r.values ?? {}, module: mod.address ?? '' });
    for (const child of mod.child_modules) walk(child);
  };
  if (show.values) walk(show.values.root_module);
  return out;
}

// Finding the CLI runs `version -json` on each candidate (~50 ms); binaries rarely change while the
// runner is up, so the answer is kept for a minute per PATH and preference.
const cliCache = new Map<string, { at: number; cli: Promise<TerraformCli> }>();
const CLI_TTL_MS = 60_000;

export function cliFor(ctx: CheckContext): Promise<TerraformCli> {
  return ctx.observations.memo('terraform.cli', async () => {
    const wanted =
      ctx.env['DOJO_TERRAFORM'] === 'terraform'
        ? 'terraform'
        : ctx.env['DOJO_TERRAFORM'] === 'tofu'
          ? 'tofu'
          : undefined;
    const key = `${wanted ?? ''}\0${ctx.env['PATH'] ?? ''}`;
    const hit = cliCache.get(key);
    if (hit && Date.now() - hit.at < CLI_TTL_MS) return hit.cli;
    const cli = detectTerraformCli(wanted, ctx.env);
    cliCache.set(key, { at: Date.now(), cli });
    try {
      return await cli;
    } catch (err) {
      cliCache.delete(key);
      if (err instanceof TerraformNotFoundError) throw new CheckEnvironmentError(err.message);
      throw err;
    }
  });
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null)) !== null;
}

/** The backend `init` recorded, or the local backend when none was recorded. */
export function backendOf(ctx: CheckContext): Promise<BackendInfo> {
  return ctx.observations.memo('terraform.backend', async () => {
    const file = path.join(ctx.workspace, '.terraform', 'terraform.tfstate');
    if (!(await exists(file))) return { type: 'local', config: {}, recorded: false };
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new CheckEnvironmentError(
        'expected .terraform/terraform.tfstate to be JSON written by init; found something else',
        'Run init -reconfigure to rewrite it.',
      );
    }
    const parsed = backendFileSchema.safeParse(data);
    if (!parsed.success || !parsed.data.backend) return { type: 'local', config: {}, recorded: false };
    return { ...parsed.data.backend, recorded: true };
  });
}

/** Where the state lives, in words: "s3://bucket/key" or "terraform.tfstate". */
export function stateLocation(backend: BackendInfo): string {
  if (backend.type === 's3') return `s3://${String(backend.config['bucket'])}/${String(backend.config['key'])}`;
  return String(backend.config['path'] ?? 'terraform.tfstate');
}

/** The raw v4 state, or null when there is none yet. */
export function rawStateOf(ctx: CheckContext): Promise<RawState | null> {
  return ctx.observations.memo('terraform.rawState', async () => {
    const backend = await backendOf(ctx);
    let text: string | null = null;
    if (backend.type === 'local') {
      const file = path.join(ctx.workspace, String(backend.config['path'] ?? 'terraform.tfstate'));
      text = (await exists(file)) ? await readFile(file, 'utf8') : null;
    } else if (backend.type === 's3') {
      const s3 = s3For(ctx.env);
      try {
        const obj = await s3.send(
          new GetObjectCommand({ Bucket: String(backend.config['bucket']), Key: String(backend.config['key']) }),
          {
            abortSignal: ctx.signal,
          },
        );
        text = (await obj.Body?.transformToString()) ?? null;
      } catch (err) {
        const down = emulatorDown(err, emulatorEndpoint(ctx.env, 'S3'));
        if (down) throw down;
        if (!isNotFound(err)) throw err;
      }
    } else {
      throw new CheckEnvironmentError(
        `expected a local or s3 backend; found backend "${backend.type}", which this check cannot read`,
      );
    }
    if (text === null || text.trim() === '') return null;
    const parsed = rawStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new CheckEnvironmentError(
        `expected a Terraform state (version 4) at ${stateLocation(backend)}; found something else`,
        'The state object was overwritten with invalid content: restore a previous version from the bucket.',
      );
    }
    return parsed.data;
  });
}

/** `show -json` of the current state, parsed; throws an environment error with the CLI's own text. */
export function showJsonOf(ctx: CheckContext): Promise<ShowJson> {
  return ctx.observations.memo('terraform.show', async () => {
    const cli = await cliFor(ctx);
    const r = await cli.run(['show', '-json', '-no-color'], {
      cwd: ctx.workspace,
      env: ctx.env,
      signal: ctx.signal,
      timeoutMs: 60_000,
    });
    if (r.exitCode !== 0) {
      throw new CheckEnvironmentError(
        `expected "${cli.flavor} show -json" to succeed; it exited ${r.exitCode}: ${firstError(r.stderr || r.stdout)}`,
        hintFor(r.stderr || r.stdout, cli.flavor),
      );
    }
    // Never log this output: it holds sensitive values in clear text.
    const parsed = showJsonSchema.safeParse(JSON.parse(r.stdout));
    if (!parsed.success)
      throw new CheckEnvironmentError(
        `unexpected "${cli.flavor} show -json" output: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    return parsed.data;
  });
}

/** One resource instance the plan would touch: its address and actions (["update"], ["delete", "create"]…). */
export interface PlannedChange {
  address: string;
  actions: string[];
  /** Set when the plan moves the instance from another address (a moved block or a renamed key). */
  previousAddress?: string | undefined;
  /** The plan imports this instance (an import block). */
  importing?: boolean | undefined;
}

export interface PlanEvidence {
  /** 0 no changes, 2 changes, 1 error (from -detailed-exitcode). */
  exitCode: number;
  summary: string;
  output: string;
  /** Resource instances with an action other than no-op (or moved/imported), from the saved plan's JSON. */
  resources: PlannedChange[];
  /** Root outputs whose value would change, with their actions. Never their values. */
  outputs: { name: string; actions: string[] }[];
}

const planJsonSchema = z
  .object({
    resource_changes: z
      .array(
        z
          .object({
            address: z.string(),
            previous_address: z.string().optional(),
            change: z.object({ actions: z.array(z.string()), importing: z.unknown().optional() }).loose(),
          })
          .loose(),
      )
      .default([]),
    output_changes: z.record(z.string(), z.object({ actions: z.array(z.string()) }).loose()).default({}),
  })
  .loose();

/** The actions in a saved plan's JSON (`show -json plan`), without any value. */
export function plannedChanges(planJson: unknown): Pick<PlanEvidence, 'resources' | 'outputs'> {
  const plan = planJsonSchema.parse(planJson);
  const resources = plan.resource_changes
    .map((r) => ({
      address: r.address,
      actions: r.change.actions,
      previousAddress: r.previous_address,
      importing: r.change.importing !== undefined && r.change.importing !== null,
    }))
    .filter((r) => r.actions.some((a) => a !== 'no-op' && a !== 'read') || r.previousAddress || r.importing);
  const outputs = Object.entries(plan.output_changes)
    .filter(([, o]) => o.actions.some((a) => a !== 'no-op'))
    .map(([name, o]) => ({ name, actions: o.actions }));
  return { resources, outputs };
}

/**
 * `plan -detailed-exitcode` saved to a temporary file, then `show -json` of that plan for the
 * actions. The plan file holds values in clear text: it lives in a private temporary folder and
 * is deleted at once; only addresses and actions leave this function.
 */
export function planOf(ctx: CheckContext): Promise<PlanEvidence> {
  return ctx.observations.memo('terraform.plan', async () => {
    const cli = await cliFor(ctx);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dojo-plan-'));
    try {
      const planFile = path.join(dir, 'check.tfplan');
      // -lock=false: a check must never take (or wait for) the learner's lock.
      const r = await cli.run(
        ['plan', '-detailed-exitcode', '-lock=false', '-input=false', '-no-color', `-out=${planFile}`],
        { cwd: ctx.workspace, env: ctx.env, signal: ctx.signal, timeoutMs: 120_000 },
      );
      if (r.exitCode === 1) {
        throw new CheckEnvironmentError(
          `expected "${cli.flavor} plan" to run; it failed: ${firstError(r.stderr || r.stdout)}`,
          hintFor(r.stderr, cli.flavor),
        );
      }
      const summary = /Plan: .*|No changes\..*|Changes to Outputs:/.exec(r.stdout)?.[0] ?? '';
      let changes: Pick<PlanEvidence, 'resources' | 'outputs'> = { resources: [], outputs: [] };
      if (r.exitCode === 2) {
        const shown = await cli.run(['show', '-json', '-no-color', planFile], {
          cwd: ctx.workspace,
          env: ctx.env,
          signal: ctx.signal,
          timeoutMs: 60_000,
        });
        if (shown.exitCode === 0) changes = plannedChanges(JSON.parse(shown.stdout));
      }
      return { exitCode: r.exitCode, summary, output: r.stdout, ...changes };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/**
 * The first error of a terraform/tofu run, whole: its "Error:" line and the paragraphs after it,
 * up to the next error or the end of the box, cut only at the end of a sentence (a message cut
 * mid-sentence hid "...please wait a minute and try" from learners).
 */
export function firstError(text: string): string {
  const lines = text.split('\n').map((l) => l.replace(/^[│╷╵]\s?/, '').trim());
  const i = lines.findIndex((l) => l.startsWith('Error:'));
  if (i < 0) return cutAtSentence(lines.find(Boolean) ?? 'no output', 400);
  const end = lines.findIndex((l, j) => j > i && l.startsWith('Error:'));
  const picked = lines
    .slice(i, end > i ? end : undefined)
    .filter(Boolean)
    .join(' ');
  return cutAtSentence(picked, 400);
}

/** `text` if it fits `max` characters, else its longest run of whole sentences that does (or words, with "…"). */
export function cutAtSentence(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const sentence = Math.max(head.lastIndexOf('. '), head.lastIndexOf('! '), head.lastIndexOf('? '));
  if (sentence > max / 3) return head.slice(0, sentence + 1);
  const word = head.lastIndexOf(' ');
  return `${head.slice(0, word > 0 ? word : max - 1)}…`;
}

function hintFor(text: string, flavor: string): string | undefined {
  if (
    /Backend initialization required|please run "(tofu|terraform) init"|Required plugins are not installed|Inconsistent dependency lock/i.test(
      text,
    )
  ) {
    return `Run "${flavor} init" (add -migrate-state or -reconfigure if you changed the backend), then check again.`;
  }
  if (/Error acquiring the state lock/.test(text))
    return 'The state is locked: see the lock info in the error and release it if nobody is running.';
  if (
    /Argument or block definition required|Invalid (block|expression)|Unsupported argument|Missing required argument/.test(
      text,
    )
  ) {
    return 'The configuration does not parse: fix the HCL error the message points at (file and line), then check again.';
  }
  return undefined;
}
