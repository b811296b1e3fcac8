/**
 * The platform pipeline: what a CI system does for the infra-requests repository, run by GitOps
 * Dojo itself on every webhook from Gitea.
 *
 * - A pull request opened or pushed to: checkout of its head; render each namespace request with
 *   the team-namespace chart (`helm template`); `kubeconform` (schemas from the lab cluster's own
 *   OpenAPI) and `conftest` on the rendered manifests; when the pull request touches Terraform or a
 *   bucket request: `fmt -check`, `init`, `validate`, `plan` against the sandbox's AWS emulator
 *   (the provider override), `show -json`, `conftest` on the plan. Policies always come from
 *   `main`, never from the pull request (a pull request cannot switch off the rule that judges it).
 *   Each stage posts a commit status `platform/<stage>`, the verdict `platform/pipeline` (the one
 *   branch protection requires), and one comment, edited in place, with the plan summary and every
 *   policy's verdict with its messages.
 * - A push to main (a merge): `apply` when Terraform or a bucket request changed, from the pipeline
 *   only, holding the state lock (`-lock-timeout`), with a timeout and bounded retries when the lock
 *   is held or the emulator stumbles; then `deploy`: the ApplicationSet is refreshed and the run
 *   waits until every team Application is synced to the merged commit.
 *
 * Runs are serialised (one at a time: one state, one lock, two cores) and each is written to
 * `<runsDir>/<id>.json` after every stage, so the lab page shows a run while it happens.
 *
 * The listener: 127.0.0.1 on a port kept in DOJO_HOME, `POST /hooks/gitea` only, the Host header
 * must name that address, and the body must carry Gitea's HMAC-SHA256 signature
 * (`X-Gitea-Signature`) made with this sandbox's secret: nothing unsigned starts a run. It is not
 * the runner's API (no token, no cookie reaches it) and it runs where the sandbox runs, so
 * `dojo lab test` grades the same pipeline the page shows.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import createDebug from 'debug';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  PIPELINE_COMMENT_MARKER,
  pipelineRunSchema,
  type PipelineRun,
  type PipelineStage,
  type PlanSummary,
  type PolicyVerdict,
} from '../shared/platform-view.ts';
import { GiteaApi } from './gitea-api.ts';
import { PIPELINE_CONTEXT } from './gitea-bootstrap.ts';
import { Kubectl } from './kubectl.ts';
import { applyWithRetries, terraformError as lastError } from './pipeline-apply.ts';
import { writeProviderOverride } from './provider-override.ts';
import { toolEnv } from './which.ts';

const debug = createDebug('dojo:sandbox:pipeline');

export interface PipelineTools {
  git: string;
  helm: string;
  kubeconform: string;
  conftest: string;
  /** terraform or tofu. */
  tf: string;
}

export interface PipelineOptions {
  giteaUrl: string;
  owner: string;
  repo: string;
  /** The pipeline account's token (statuses, comments, clones). */
  token: string;
  webhookSecret: string;
  runsDir: string;
  /** Folder for checkouts (one per run, removed after it). */
  workRoot: string;
  tools: PipelineTools;
  /** kubeconform -schema-location template. */
  schemaLocation: string;
  aws: { endpoint: string; region: string };
  /** Whether Terraform can plan and apply here (hashicorp/aws obtainable), and why. */
  terraform: { applicable: boolean; line: string };
  kubeconfig: string;
  /** Variables every tool gets (PATH, TF_PLUGIN_CACHE_DIR...). */
  env: Record<string, string>;
  host?: string;
  port: number;
  /** Bounded waits, shortened by tests. */
  timeouts?: Partial<typeof DEFAULT_TIMEOUTS>;
}

export const DEFAULT_TIMEOUTS = {
  planMs: 5 * 60_000,
  applyMs: 10 * 60_000,
  lockTimeout: '60s',
  applyAttempts: 3,
  deployMs: 180_000,
};

const giteaPushSchema = z.object({ ref: z.string(), before: z.string().default(''), after: z.string() }).loose();
const giteaPullSchema = z
  .object({
    action: z.string(),
    number: z.number(),
    pull_request: z
      .object({
        title: z.string(),
        head: z.object({ sha: z.string() }).loose(),
        base: z.object({ ref: z.string() }).loose(),
      })
      .loose(),
  })
  .loose();

/** HMAC-SHA256 of the raw body with the secret, hex: what Gitea sends as X-Gitea-Signature. */
export function giteaSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function signatureValid(secret: string, body: Buffer, header: string | undefined): boolean {
  if (typeof header !== 'string' || !/^[0-9a-f]{64}$/i.test(header)) return false;
  const want = Buffer.from(giteaSignature(secret, body), 'hex');
  const got = Buffer.from(header, 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}

const tail = (s: string, n = 20_000) => (s.length > n ? `…${s.slice(-n)}` : s);

/** The plan's resource changes in one line per resource, and the counts. Pure. */
export function summarisePlan(plan: unknown): PlanSummary {
  const parsed = z
    .object({
      resource_changes: z
        .array(z.object({ address: z.string(), change: z.object({ actions: z.array(z.string()) }).loose() }).loose())
        .default([]),
    })
    .loose()
    .parse(plan);
  const resources = parsed.resource_changes
    .filter((r) => !(r.change.actions.length === 1 && r.change.actions[0] === 'no-op'))
    .map((r) => ({ address: r.address, actions: r.change.actions }));
  const count = (a: string) => resources.filter((r) => r.actions.includes(a)).length;
  return { add: count('create'), change: count('update'), destroy: count('delete'), resources };
}

/** conftest `-o json` output as one verdict per policy package. Pure. */
export function conftestVerdicts(stdout: string): PolicyVerdict[] {
  const results = z
    .array(
      z
        .object({
          namespace: z.string().default('main'),
          successes: z.number().default(0),
          failures: z
            .array(z.object({ msg: z.string() }).loose())
            .nullable()
            .default([]),
        })
        .loose(),
    )
    .parse(JSON.parse(stdout || '[]'));
  const byPolicy = new Map<string, PolicyVerdict>();
  for (const r of results) {
    // conftest loads the policies' unit tests (package x_test) as policies too: they judge nothing.
    if (r.namespace.endsWith('_test')) continue;
    const v = byPolicy.get(r.namespace) ?? { policy: r.namespace, ok: true, messages: [] };
    for (const f of r.failures ?? []) {
      v.ok = false;
      if (!v.messages.includes(f.msg)) v.messages.push(f.msg);
    }
    byPolicy.set(r.namespace, v);
  }
  return [...byPolicy.values()].sort((a, b) => a.policy.localeCompare(b.policy));
}

/** The pull request comment: stages, plan summary and every policy verdict with its messages. Pure. */
export function pipelineComment(run: PipelineRun, pageHint: string): string {
  const icon = (s: string) =>
    ({ success: '✅', failure: '❌', error: '⚠️', skipped: '➖', running: '⏳', pending: '⏳' })[s] ?? s;
  const lines = [
    PIPELINE_COMMENT_MARKER,
    `### Platform pipeline: ${run.result === 'success' ? 'all checks passed ✅' : run.result === 'running' ? 'running ⏳' : 'blocked ❌'}`,
    '',
    `Run #${run.id} on \`${run.sha.slice(0, 7)}\`. Policies are those of \`main\`.`,
    '',
    '| Stage | Result | |',
    '| --- | --- | --- |',
    ...run.stages.map(
      (s) => `| ${s.title} | ${icon(s.status)} ${s.status} | ${s.summary.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    ),
  ];
  if (run.plan) {
    lines.push('', `**Plan:** ${run.plan.add} to add, ${run.plan.change} to change, ${run.plan.destroy} to destroy.`);
    for (const r of run.plan.resources) lines.push(`- \`${r.address}\`: ${r.actions.join(', ')}`);
  }
  const verdicts = run.stages.flatMap((s) => s.verdicts ?? []);
  if (verdicts.length) {
    lines.push('', '**Policies**');
    for (const v of verdicts) {
      lines.push(`- ${v.ok ? '✅' : '❌'} \`${v.policy}\`${v.ok ? ': pass' : ''}`);
      for (const m of v.messages) lines.push(`  - ${m}`);
    }
  }
  lines.push('', pageHint);
  return lines.join('\n');
}

interface Exec {
  ok: boolean;
  exitCode: number;
  out: string;
  timedOut: boolean;
}

class RunContext {
  readonly run: PipelineRun;
  private readonly save: () => Promise<void>;
  constructor(run: PipelineRun, save: (run: PipelineRun) => Promise<void>) {
    this.run = run;
    this.save = () => save(run);
  }

  async stage(
    name: string,
    title: string,
    work: (s: PipelineStage, log: (text: string) => void) => Promise<void>,
  ): Promise<PipelineStage> {
    const s: PipelineStage = {
      name,
      title,
      status: 'running',
      startedAt: new Date().toISOString(),
      summary: '',
      log: '',
    };
    this.run.stages.push(s);
    await this.save();
    const t0 = Date.now();
    const log = (text: string) => {
      s.log = tail(`${s.log}${text.endsWith('\n') ? text : `${text}\n`}`);
    };
    try {
      await work(s, log);
      if (s.status === 'running') s.status = 'success';
    } catch (err) {
      s.status = 'error';
      s.summary = (err as Error).message.split('\n')[0] ?? 'error';
      log(String((err as Error).stack ?? err));
    }
    s.durationMs = Date.now() - t0;
    await this.save();
    return s;
  }

  skip(name: string, title: string, why: string): void {
    this.run.stages.push({ name, title, status: 'skipped', summary: why, log: '', durationMs: 0 });
  }
}

/**
 * What every tool of the pipeline runs with: the sandbox's tools, the emulator as every AWS endpoint
 * (the S3 backend included) with dummy credentials, and no shared AWS config that could point at a
 * real account.
 */
export function pipelineEnv(
  o: Pick<PipelineOptions, 'aws' | 'env'>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...toolEnv({ ...process.env, ...o.env }),
    AWS_ENDPOINT_URL: o.aws.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: o.aws.region,
    AWS_DEFAULT_REGION: o.aws.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

export class PlatformPipeline {
  private readonly o: PipelineOptions;
  private readonly api: GiteaApi;
  private readonly t: typeof DEFAULT_TIMEOUTS;
  private queue: Promise<void> = Promise.resolve();
  private nextId = 0;
  private server: http.Server | null = null;
  private pending = 0;

  constructor(options: PipelineOptions) {
    this.o = options;
    this.api = new GiteaApi(options.giteaUrl, { token: options.token });
    this.t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  get url(): string {
    return `http://${this.o.host ?? '127.0.0.1'}:${this.o.port}/hooks/gitea`;
  }

  /** Runs queued or running. */
  get busy(): number {
    return this.pending;
  }

  async listen(): Promise<void> {
    await mkdir(this.o.runsDir, { recursive: true, mode: 0o700 });
    const ids = (await readdir(this.o.runsDir)).map((f) => Number(/^(\d+)\.json$/.exec(f)?.[1] ?? 0));
    this.nextId = Math.max(0, ...ids);
    const host = this.o.host ?? '127.0.0.1';
    const allowedHost = `${host}:${this.o.port}`;
    this.server = http.createServer((req, res) => {
      const reply = (status: number, text: string) => {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${text}\n`);
      };
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/hooks/gitea')
        return reply(404, 'only POST /hooks/gitea');
      if ((req.headers.host ?? '').toLowerCase() !== allowedHost) return reply(403, 'unexpected Host');
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 5 * 1024 * 1024) {
          reply(413, 'body too large');
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => {
        if (res.writableEnded) return;
        const body = Buffer.concat(chunks);
        const sig = req.headers['x-gitea-signature'];
        if (!signatureValid(this.o.webhookSecret, body, Array.isArray(sig) ? sig[0] : sig))
          return reply(401, 'missing or wrong X-Gitea-Signature');
        const event = String(req.headers['x-gitea-event'] ?? '');
        let payload: unknown;
        try {
          payload = JSON.parse(body.toString('utf8'));
        } catch {
          return reply(400, 'expected a JSON body');
        }
        const accepted = this.accept(event, payload);
        reply(202, accepted);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.o.port, host, () => resolve());
    });
    this.o.port = (this.server.address() as AddressInfo).port;
  }

  /** Queues a run for a webhook event; answers what it did (Gitea shows it in the delivery log). */
  accept(event: string, payload: unknown): string {
    if (event === 'pull_request') {
      const p = giteaPullSchema.safeParse(payload);
      if (!p.success) return 'ignored: not a pull request payload';
      if (!['opened', 'synchronized', 'reopened'].includes(p.data.action)) return `ignored: action ${p.data.action}`;
      if (p.data.pull_request.base.ref !== 'main') return 'ignored: base is not main';
      this.enqueue(() => this.pullRequestRun(p.data.number, p.data.pull_request.title, p.data.pull_request.head.sha));
      return `queued: pull request #${p.data.number} at ${p.data.pull_request.head.sha.slice(0, 7)}`;
    }
    if (event === 'push') {
      const p = giteaPushSchema.safeParse(payload);
      if (!p.success || p.data.ref !== 'refs/heads/main') return 'ignored: not a push to main';
      if (/^0+$/.test(p.data.after)) return 'ignored: branch deleted';
      this.enqueue(() => this.mainRun(p.data.before, p.data.after));
      return `queued: main at ${p.data.after.slice(0, 7)}`;
    }
    return `ignored: event ${event}`;
  }

  private enqueue(work: () => Promise<void>): void {
    this.pending++;
    this.queue = this.queue
      .then(work)
      .catch((err: unknown) => debug('run failed: %O', err))
      .finally(() => {
        this.pending--;
      });
  }

  /** Resolves once every queued run has finished (tests, and stop). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    // A run in progress finishes (an apply must not be cut mid-write); the caller bounds the wait.
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 60_000))]);
  }

  private async save(run: PipelineRun): Promise<void> {
    const file = path.join(this.o.runsDir, `${run.id}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(pipelineRunSchema.parse(run)), { mode: 0o600 });
    const { rename } = await import('node:fs/promises');
    await rename(`${file}.tmp`, file);
  }

  private newRun(
    trigger: PipelineRun['trigger'],
    sha: string,
    ref: string,
    extra: Partial<PipelineRun> = {},
  ): RunContext {
    const run: PipelineRun = {
      id: ++this.nextId,
      trigger,
      sha,
      ref,
      startedAt: new Date().toISOString(),
      result: 'running',
      stages: [],
      applied: false,
      requests: [],
      ...extra,
    };
    return new RunContext(run, (r) => this.save(r));
  }

  private toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return pipelineEnv(this.o, extra);
  }

  private async exec(
    bin: string,
    args: string[],
    cwd: string,
    log: (t: string) => void,
    timeoutMs = 120_000,
  ): Promise<Exec> {
    log(`$ ${path.basename(bin)} ${args.join(' ')}`);
    const r = await execa(bin, args, {
      cwd,
      env: this.toolEnv(),
      extendEnv: false,
      reject: false,
      all: true,
      stdin: 'ignore',
      timeout: timeoutMs,
    });
    const out = String(r.all ?? '');
    if (out.trim()) log(out.trimEnd());
    if (r.timedOut) log(`(stopped after ${Math.round(timeoutMs / 1000)} s)`);
    return { ok: r.exitCode === 0, exitCode: r.exitCode ?? -1, out, timedOut: Boolean(r.timedOut) };
  }

  /** A clone at `sha`, with main's policies beside it in `base/`. */
  private async checkout(
    ctx: RunContext,
    fetchRef: string,
    sha: string,
  ): Promise<{ dir: string; base: string; changed: string[]; cleanup: () => Promise<void> }> {
    const root = await mkdtemp(path.join(this.o.workRoot, `run-${ctx.run.id}-`));
    const dir = path.join(root, 'src');
    const base = path.join(root, 'base');
    let changed: string[] = [];
    await ctx.stage('checkout', 'Checkout', async (s, log) => {
      const url = new URL(`${this.o.giteaUrl}${this.o.owner}/${this.o.repo}.git`);
      const git = (args: string[], cwd = dir) =>
        this.exec(this.o.tools.git, ['-c', `http.extraHeader=Authorization: token ${this.o.token}`, ...args], cwd, log);
      await mkdir(dir, { recursive: true });
      for (const step of [
        ['init', '--quiet', '--initial-branch=main'],
        ['remote', 'add', 'origin', url.toString()],
        [
          'fetch',
          '--quiet',
          'origin',
          'refs/heads/main:refs/remotes/origin/main',
          `${fetchRef}:refs/remotes/origin/run`,
        ],
        ['checkout', '--quiet', '--detach', sha],
      ]) {
        const r = await git(step);
        if (!r.ok) throw new Error(`git ${step[0]} failed: ${r.out.trim().split('\n').pop() ?? ''}`);
      }
      const diff = await git(['diff', '--name-only', `origin/main...${sha}`]);
      changed = diff.out
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      await mkdir(base, { recursive: true });
      const archive = await execa(this.o.tools.git, ['archive', 'origin/main', 'policy'], {
        cwd: dir,
        reject: false,
        encoding: 'buffer',
        stdin: 'ignore',
      });
      if (archive.exitCode === 0)
        await execa('tar', ['-x', '-C', base], { input: archive.stdout as unknown as Buffer, reject: false });
      s.summary = `${sha.slice(0, 7)}; ${changed.length} file(s) changed against main`;
    });
    return { dir, base, changed, cleanup: () => rm(root, { recursive: true, force: true }) };
  }

  /** Renders every namespace request with the chart; returns the manifest files. */
  private async render(ctx: RunContext, dir: string): Promise<string[]> {
    const out = path.join(dir, '.platform-out');
    const files: string[] = [];
    const requests = await namespaceRequests(dir);
    if (!requests.length) {
      ctx.skip('render', 'Render namespace requests', 'no requests/<team>/namespace.yaml in this revision');
      return files;
    }
    await ctx.stage('render', 'Render namespace requests', async (s, log) => {
      await mkdir(out, { recursive: true });
      const problems: string[] = [];
      for (const req of requests) {
        ctx.run.requests.push(req.file);
        if (req.problem) {
          problems.push(`${req.file}: ${req.problem}`);
          continue;
        }
        const r = await this.exec(
          this.o.tools.helm,
          ['template', `team-${req.team}`, 'charts/team-namespace', '-f', req.file, '--namespace', `team-${req.team}`],
          dir,
          () => undefined,
        );
        log(`$ helm template team-${req.team} charts/team-namespace -f ${req.file}`);
        if (!r.ok) {
          log(r.out);
          problems.push(`${req.file}: helm template failed: ${r.out.trim().split('\n').pop() ?? ''}`);
          continue;
        }
        const file = path.join(out, `team-${req.team}.yaml`);
        await writeFile(file, r.out);
        log(r.out.trim());
        files.push(file);
      }
      s.status = problems.length ? 'failure' : 'success';
      s.summary = problems.length ? problems.join('; ') : `${files.length} namespace request(s) rendered`;
    });
    return files;
  }

  private async manifestStages(ctx: RunContext, dir: string, base: string): Promise<void> {
    const files = await this.render(ctx, dir);
    if (!files.length) return;
    await ctx.stage('kubeconform', 'kubeconform', async (s, log) => {
      const r = await this.exec(
        this.o.tools.kubeconform,
        ['-strict', '-summary', '-schema-location', this.o.schemaLocation, ...files.map((f) => path.relative(dir, f))],
        dir,
        log,
      );
      s.status = r.ok ? 'success' : 'failure';
      s.summary =
        r.out
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('Summary') || / is invalid/.test(l))
          .join('; ')
          .slice(0, 400) || (r.ok ? 'valid' : `exit ${r.exitCode}`);
    });
    await ctx.stage('policy-manifests', 'Policies on manifests', async (s, log) => {
      const policy = path.join(base, 'policy', 'kubernetes');
      if (!existsSync(policy)) {
        s.status = 'skipped';
        s.summary = 'main has no policy/kubernetes';
        return;
      }
      const r = await this.exec(
        this.o.tools.conftest,
        [
          'test',
          '--combine',
          '--all-namespaces',
          '--no-color',
          '-o',
          'json',
          '-p',
          policy,
          ...files.map((f) => path.relative(dir, f)),
        ],
        dir,
        log,
      );
      judgeConftest(s, r);
    });
  }

  private async terraformInit(dir: string, log: (t: string) => void): Promise<Exec> {
    await writeProviderOverride(dir, { endpoint: this.o.aws.endpoint, region: this.o.aws.region });
    return this.exec(
      this.o.tools.tf,
      ['init', '-input=false', '-no-color', `-lock-timeout=${this.t.lockTimeout}`],
      dir,
      log,
      this.t.planMs,
    );
  }

  private async terraformStages(ctx: RunContext, dir: string, base: string): Promise<void> {
    const tfDir = path.join(dir, 'terraform');
    if (!this.o.terraform.applicable) {
      await ctx.stage('terraform', 'Terraform plan', async (s) => {
        s.status = 'error';
        s.summary = `cannot plan here: ${this.o.terraform.line}`;
      });
      return;
    }
    const fmt = await ctx.stage('fmt', 'terraform fmt', async (s, log) => {
      const r = await this.exec(this.o.tools.tf, ['fmt', '-check', '-recursive', '-diff', '-no-color'], tfDir, log);
      s.status = r.ok ? 'success' : 'failure';
      s.summary = r.ok
        ? 'formatted'
        : `not formatted: ${r.out
            .split('\n')
            .filter((l) => l.endsWith('.tf'))
            .join(', ')} (run terraform fmt -recursive)`;
    });
    const init = await ctx.stage('init', 'terraform init', async (s, log) => {
      const r = await this.terraformInit(tfDir, log);
      s.status = r.ok ? 'success' : 'failure';
      s.summary = r.ok ? 'backend and providers ready' : lastError(r.out);
    });
    if (init.status !== 'success') return;
    const validate = await ctx.stage('validate', 'terraform validate', async (s, log) => {
      const r = await this.exec(this.o.tools.tf, ['validate', '-no-color'], tfDir, log);
      s.status = r.ok ? 'success' : 'failure';
      s.summary = r.ok ? 'valid' : lastError(r.out);
    });
    if (validate.status !== 'success' || fmt.status === 'error') return;
    const plan = await ctx.stage('plan', 'terraform plan', async (s, log) => {
      const r = await this.exec(
        this.o.tools.tf,
        [
          'plan',
          '-input=false',
          '-no-color',
          `-lock-timeout=${this.t.lockTimeout}`,
          `-var=pipeline_run=${ctx.run.id}`,
          '-out=plan.tfplan',
        ],
        tfDir,
        log,
        this.t.planMs,
      );
      s.status = r.ok ? 'success' : 'failure';
      s.summary = r.ok ? (/Plan: .*/.exec(r.out)?.[0] ?? 'No changes.') : lastError(r.out);
    });
    if (plan.status !== 'success') return;
    await ctx.stage('policy-plan', 'Policies on the plan', async (s, log) => {
      const show = await execa(this.o.tools.tf, ['show', '-json', 'plan.tfplan'], {
        cwd: tfDir,
        env: this.toolEnv(),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
      });
      log(`$ ${path.basename(this.o.tools.tf)} show -json plan.tfplan > plan.json`);
      if (show.exitCode !== 0) throw new Error(`show -json failed: ${String(show.stderr).trim()}`);
      await writeFile(path.join(tfDir, 'plan.json'), String(show.stdout));
      ctx.run.plan = summarisePlan(JSON.parse(String(show.stdout)));
      const policy = path.join(base, 'policy', 'terraform');
      if (!existsSync(policy)) {
        s.status = 'skipped';
        s.summary = 'main has no policy/terraform';
        return;
      }
      const r = await this.exec(
        this.o.tools.conftest,
        ['test', '--all-namespaces', '--no-color', '-o', 'json', '-p', policy, 'plan.json'],
        tfDir,
        log,
      );
      judgeConftest(s, r);
    });
  }

  private async finish(ctx: RunContext): Promise<void> {
    const bad = ctx.run.stages.filter((s) => s.status === 'failure' || s.status === 'error');
    ctx.run.result =
      bad.some((s) => s.status === 'error') && !bad.some((s) => s.status === 'failure')
        ? 'error'
        : bad.length
          ? 'failure'
          : 'success';
    ctx.run.finishedAt = new Date().toISOString();
    await this.save(ctx.run);
  }

  private async post(fn: () => Promise<unknown>, what: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      debug('%s failed: %O', what, err);
    }
  }

  async pullRequestRun(pr: number, title: string, sha: string): Promise<void> {
    const { owner, repo } = this.o;
    const ctx = this.newRun('pull_request', sha, `refs/pull/${pr}/head`, { pr, prTitle: title });
    await this.post(
      () =>
        this.api.setStatus(owner, repo, sha, {
          context: PIPELINE_CONTEXT,
          state: 'pending',
          description: `run #${ctx.run.id} started`,
        }),
      'pending status',
    );
    const co = await this.checkout(ctx, `refs/pull/${pr}/head`, sha).catch(() => null);
    try {
      if (co && ctx.run.stages.every((s) => s.status === 'success')) {
        await this.manifestStages(ctx, co.dir, co.base);
        const touchesTerraform = co.changed.some(
          (f) => f.startsWith('terraform/') || /^requests\/[^/]+\/bucket-[^/]+\.ya?ml$/.test(f),
        );
        if (touchesTerraform) await this.terraformStages(ctx, co.dir, co.base);
        else ctx.skip('terraform', 'Terraform plan', 'this pull request changes no Terraform and no bucket request');
      }
    } finally {
      await co?.cleanup();
    }
    await this.finish(ctx);
    for (const s of ctx.run.stages.filter((x) => x.status !== 'skipped')) {
      await this.post(
        () =>
          this.api.setStatus(owner, repo, sha, {
            context: `platform/${s.name}`,
            state: s.status === 'success' ? 'success' : s.status === 'error' ? 'error' : 'failure',
            description: s.summary || s.status,
          }),
        `status ${s.name}`,
      );
    }
    const verdict = ctx.run.result === 'success' ? 'success' : ctx.run.result === 'error' ? 'error' : 'failure';
    const failing = ctx.run.stages.filter((s) => s.status === 'failure' || s.status === 'error').map((s) => s.title);
    await this.post(
      () =>
        this.api.setStatus(owner, repo, sha, {
          context: PIPELINE_CONTEXT,
          state: verdict,
          description:
            verdict === 'success'
              ? `run #${ctx.run.id}: every stage passed`
              : `run #${ctx.run.id}: ${failing.join(', ')} failed`,
        }),
      'verdict status',
    );
    await this.post(
      () =>
        this.api.upsertComment(
          owner,
          repo,
          pr,
          PIPELINE_COMMENT_MARKER,
          pipelineComment(ctx.run, 'Every run, with its full log, is on the lab page (Platform pipeline).'),
        ),
      'comment',
    );
  }

  async mainRun(before: string, sha: string): Promise<void> {
    const { owner, repo } = this.o;
    const merged = await this.api.pullRequests(owner, repo, 'closed').then(
      (prs) => prs.find((p) => p.merge_commit_sha === sha),
      () => undefined,
    );
    const ctx = this.newRun('push', sha, 'refs/heads/main', merged ? { pr: merged.number, prTitle: merged.title } : {});
    const co = await this.checkout(ctx, 'refs/heads/main', sha).catch(() => null);
    try {
      if (!co || !ctx.run.stages.every((s) => s.status === 'success')) return;
      const changed =
        /^0+$/.test(before) || !before
          ? ['terraform/', 'requests/']
          : (
              await execa(this.o.tools.git, ['diff', '--name-only', before, sha], {
                cwd: co.dir,
                reject: false,
                stdin: 'ignore',
              })
            ).stdout.split('\n');
      const terraformChanged = changed.some((f) => f.startsWith('terraform/') || /^requests\/[^/]+\/bucket-/.test(f));
      if (terraformChanged && this.o.terraform.applicable) await this.apply(ctx, path.join(co.dir, 'terraform'));
      else
        ctx.skip(
          'apply',
          'terraform apply',
          terraformChanged
            ? `cannot apply here: ${this.o.terraform.line}`
            : 'no Terraform and no bucket request changed',
        );
      await this.deploy(ctx, co.dir, sha);
    } finally {
      await co?.cleanup();
      await this.finish(ctx);
      const state = ctx.run.result === 'success' ? 'success' : 'failure';
      await this.post(
        () =>
          this.api.setStatus(owner, repo, sha, {
            context: 'platform/deploy',
            state,
            description: `run #${ctx.run.id}: ${ctx.run.stages.map((s) => `${s.name} ${s.status}`).join(', ')}`,
          }),
        'deploy status',
      );
    }
  }

  /** Apply, holding the state lock; retried (at most applyAttempts) when the lock is held or the emulator stumbles. */
  private async apply(ctx: RunContext, tfDir: string): Promise<void> {
    await ctx.stage('apply', 'terraform apply', async (s, log) => {
      const init = await this.terraformInit(tfDir, log);
      if (!init.ok) {
        s.status = 'failure';
        s.summary = lastError(init.out);
        return;
      }
      const r = await applyWithRetries({
        terraform: (args, timeoutMs) => this.exec(this.o.tools.tf, args, tfDir, log, timeoutMs),
        pipelineRun: String(ctx.run.id),
        lockTimeout: this.t.lockTimeout,
        attempts: this.t.applyAttempts,
        applyMs: this.t.applyMs,
        log,
      });
      s.attempts = r.attempts;
      s.summary = r.summary;
      if (r.ok) ctx.run.applied = true;
      else s.status = 'failure';
    });
  }

  /** Refreshes the ApplicationSet and waits until every team Application is synced to `sha`. */
  private async deploy(ctx: RunContext, dir: string, sha: string): Promise<void> {
    const requests = (await namespaceRequests(dir)).filter((r) => !r.problem);
    ctx.run.requests = requests.map((r) => r.file);
    await ctx.stage('deploy', 'Argo CD sync', async (s, log) => {
      const kubectl = new Kubectl(this.o.kubeconfig, { env: { ...process.env, ...this.o.env } });
      await kubectl
        .run([
          '-n',
          'argocd',
          'annotate',
          'applicationset',
          'team-namespaces',
          'argocd.argoproj.io/application-set-refresh=true',
          '--overwrite',
        ])
        .catch((err: Error) => log(err.message));
      const deadline = Date.now() + this.t.deployMs;
      const want = new Set(requests.map((r) => `team-${r.team}`));
      let last = '';
      for (;;) {
        const apps = await kubectl.list('applications.argoproj.io', 'argocd').catch(() => []);
        const states = [...want].map((name) => {
          const app = apps.find((a) => a.metadata.name === name) as
            { status?: { sync?: { status?: string; revision?: string }; health?: { status?: string } } } | undefined;
          const sync = app?.status?.sync;
          const ok = sync?.status === 'Synced' && sync.revision === sha && app?.status?.health?.status === 'Healthy';
          return {
            name,
            ok,
            text: app
              ? `${name}: ${sync?.status ?? 'Unknown'} at ${(sync?.revision ?? 'none').slice(0, 7)}, ${app.status?.health?.status ?? 'Unknown'}`
              : `${name}: not generated yet`,
          };
        });
        const text = states.map((x) => x.text).join('; ');
        if (text !== last) log(text || 'no team namespaces requested');
        last = text;
        if (states.every((x) => x.ok)) {
          s.summary = want.size
            ? `${[...want].join(', ')} synced to ${sha.slice(0, 7)} and healthy`
            : 'nothing to deploy';
          return;
        }
        if (Date.now() > deadline) {
          s.status = 'failure';
          s.summary = `not synced after ${this.t.deployMs / 1000} s: ${text}`;
          return;
        }
        // Nudge the Applications whose revision is behind: the repo-server caches ls-remote.
        for (const x of states.filter((st) => !st.ok && !st.text.endsWith('not generated yet'))) {
          await kubectl
            .run(['-n', 'argocd', 'annotate', 'application', x.name, 'argocd.argoproj.io/refresh=hard', '--overwrite'])
            .catch(() => undefined);
        }
        await new Promise((res) => setTimeout(res, 2000));
      }
    });
  }
}

/**
 * A stage's verdict from `conftest test -o json`: exit 0 all pass, 1 some denied (each policy's own
 * message becomes the summary); anything else is conftest itself failing, an error of the stage.
 */
function judgeConftest(stage: PipelineStage, r: Exec): void {
  if (r.exitCode !== 0 && r.exitCode !== 1)
    throw new Error(`conftest failed (exit ${r.exitCode}): ${r.out.trim().split('\n').pop() ?? ''}`);
  stage.verdicts = conftestVerdicts(r.out);
  const denied = stage.verdicts.filter((v) => !v.ok);
  stage.status = denied.length ? 'failure' : 'success';
  stage.summary = denied.length
    ? denied.flatMap((v) => v.messages).join(' | ')
    : `${stage.verdicts.length} polic${stage.verdicts.length === 1 ? 'y' : 'ies'} pass`;
}

const namespaceRequestSchema = z
  .object({
    team: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, { error: 'team is lower-case letters, digits and dashes' }),
  })
  .loose();

/** Every requests/<team>/namespace.yaml, with its team (or why it cannot be rendered). */
export async function namespaceRequests(dir: string): Promise<{ file: string; team: string; problem?: string }[]> {
  const root = path.join(dir, 'requests');
  const out: { file: string; team: string; problem?: string }[] = [];
  const teams = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const t of teams
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    const file = `requests/${t}/namespace.yaml`;
    if (!existsSync(path.join(dir, file))) continue;
    try {
      const parsed = namespaceRequestSchema.safeParse(parseYaml(await readFile(path.join(dir, file), 'utf8')));
      if (!parsed.success) out.push({ file, team: t, problem: parsed.error.issues.map((i) => i.message).join('; ') });
      else if (parsed.data.team !== t)
        out.push({
          file,
          team: t,
          problem: `team is "${parsed.data.team}" but the folder is requests/${t}/: they must match`,
        });
      else out.push({ file, team: t });
    } catch (err) {
      out.push({ file, team: t, problem: `not valid YAML: ${(err as Error).message.split('\n')[0]}` });
    }
  }
  return out;
}

/** The runs in a folder, newest first (the page and the platform.pipelineRun check read them). */
export async function readRuns(runsDir: string, limit = 30): Promise<PipelineRun[]> {
  const files = (await readdir(runsDir).catch(() => [] as string[])).filter((f) => /^\d+\.json$/.test(f));
  files.sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10));
  const runs: PipelineRun[] = [];
  for (const f of files.slice(0, limit)) {
    const parsed = pipelineRunSchema.safeParse(
      JSON.parse(await readFile(path.join(runsDir, f), 'utf8').catch(() => 'null')),
    );
    if (parsed.success) runs.push(parsed.data);
  }
  return runs;
}
