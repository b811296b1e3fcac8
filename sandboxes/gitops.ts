/**
 * Sandbox "gitops": LocalStack (S3 website hosting), a kind cluster with Argo CD, and the lab Git
 * server, for the s3-static-site lab and later GitOps labs.
 *
 * Start-up runs in parallel where it can, each phase reporting progress with its elapsed time:
 *
 *   preflight ──┬─ pull LocalStack image ── start LocalStack ── write provider override ─┐
 *               ├─ pull kind node image ─── create cluster ──┬─ install Argo CD ────────────┼─ ready
 *               └─ seed Git repository ──────────────────────┴─ start Git server ──────────┘
 *
 * The Git server starts once the cluster exists because, on native Linux, it binds the `kind`
 * network's gateway (pods cannot reach the host's loopback); on Docker Desktop it binds 127.0.0.1
 * and pods use host.docker.internal. Its port is remembered in DOJO_HOME so repository URLs (in
 * the learner's git remote and in Argo CD Applications) stay valid across restarts.
 *
 * A missing tool (engine, kind, kubectl, terraform/tofu, git) fails the start with one message
 * naming every missing piece and how to get it, before anything is pulled or created.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { DOJO_LABEL, LocalStack, localStackSettings } from '../src/sandbox/localstack.ts';
import { ensureImage, detectDockerEngine, type DockerEngine } from '../src/sandbox/docker-engine.ts';
import { KindCluster, KIND_NODE_IMAGE, kindNetworkGateway, KindCli } from '../src/sandbox/kind-cluster.ts';
import { Kubectl } from '../src/sandbox/kubectl.ts';
import { installArgoCd, type InstalledArgoCd } from '../src/sandbox/argocd.ts';
import { GitServer, type StartedGitServer } from '../src/sandbox/git-server.ts';
import { writeProviderOverride } from '../src/sandbox/provider-override.ts';
import { detectTerraformCli, type TerraformCli } from '../src/sandbox/terraform-cli.ts';
import { freePort } from '../src/sandbox/free-port.ts';
import { toolEnv, which } from '../src/sandbox/which.ts';
import { dojoHome as defaultDojoHome, repoRoot } from '../src/shared/paths.ts';
import type { Sandbox, SandboxProgress, SandboxStartOptions, StartedSandbox } from '../src/sandbox/sandbox.ts';

/**
 * The cluster for a DOJO_HOME: `dojo-gitops` for the learner's own, a suffixed name for any other
 * (`dojo lab test` runs in a temporary DOJO_HOME and must never touch the learner's warm cluster).
 */
export function clusterName(dojoHome: string): string {
  const home = path.resolve(dojoHome);
  if (home === defaultDojoHome()) return 'dojo-gitops';
  return `dojo-gitops-${createHash('sha256').update(home).digest('hex').slice(0, 6)}`;
}
export const SITE_REPO = 'team-site';
export const REGION = 'us-east-1';
/** Where the repository is seeded from: the lab's starter, the same files the workspace starts with. */
const STARTER = path.join(repoRoot, 'labs', 's3-static-site', 'starter');

/** Every requirement that is not met, each with how to get it; empty when the machine is ready. */
export async function preflight(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ problems: string[]; engine: DockerEngine | null; cli: TerraformCli | null }> {
  const problems: string[] = [];
  const [engine, cli] = await Promise.all([
    detectDockerEngine(env).catch((err: Error) => {
      problems.push(`Docker or Podman: ${err.message}`);
      return null;
    }),
    detectTerraformCli(undefined, env).catch((err: Error) => {
      problems.push(`Terraform: ${err.message}`);
      return null;
    }),
  ]);
  try {
    new KindCli(env);
  } catch (err) {
    problems.push(`kind: ${(err as Error).message}`);
  }
  if (!which('kubectl', env)) {
    problems.push(
      'kubectl: not on PATH. Fix: brew install kubectl (macOS), winget install Kubernetes.kubectl (Windows), or https://kubernetes.io/docs/tasks/tools/ (Linux).',
    );
  }
  if (!which('git', env))
    problems.push(
      'git: not on PATH. Fix: install git (macOS: xcode-select --install; Debian/Ubuntu: sudo apt-get install git).',
    );
  return { problems, engine, cli };
}

export class SandboxRequirementsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `The gitops sandbox cannot start on this machine. Missing:\n${problems.map((p) => `  - ${p}`).join('\n')}\nRun "npx dojo doctor" after installing to confirm.`,
    );
    this.name = 'SandboxRequirementsError';
    this.problems = problems;
  }
}

/** Phases, their share of the progress bar, and how far each is; reports include elapsed seconds. */
export class PhaseProgress {
  private readonly weights: Record<string, number>;
  private readonly done: Record<string, number> = {};
  private readonly started = Date.now();
  private readonly report: (p: SandboxProgress) => void;

  constructor(weights: Record<string, number>, report: (p: SandboxProgress) => void) {
    this.weights = weights;
    this.report = report;
  }

  update(phase: string, fraction: number, message: string): void {
    this.done[phase] = Math.max(this.done[phase] ?? 0, Math.min(1, fraction));
    const total = Object.values(this.weights).reduce((a, b) => a + b, 0);
    const got = Object.entries(this.weights).reduce((sum, [p, w]) => sum + w * (this.done[p] ?? 0), 0);
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    this.report({
      phase,
      message: `${message} (${seconds} s)`,
      percent: Math.min(100, Math.round((100 * got) / total)),
    });
  }

  /** Runs one phase, reporting its start and its duration. */
  async run<T>(
    phase: string,
    label: string,
    work: (step: (fraction: number, message: string) => void) => Promise<T>,
  ): Promise<T> {
    const t0 = Date.now();
    this.update(phase, 0, label);
    const result = await work((f, m) => this.update(phase, f, m));
    this.update(phase, 1, `${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return result;
  }
}

/** A port remembered across starts so repository URLs stay valid; a fresh one if it is taken. */
async function stablePort(file: string, host: string): Promise<number> {
  const saved = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  if (saved > 0) {
    const { createServer } = await import('node:net');
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(saved, host, () => s.close(() => resolve(true)));
    });
    if (free) return saved;
  }
  const port = await freePort(host === '0.0.0.0' ? '127.0.0.1' : host);
  await writeFile(file, String(port));
  return port;
}

/**
 * Makes the workspace a clone of the lab repository without touching the learner's files: a new
 * workspace gets `git init` + origin + the seed commit as its base; an existing one only gets its
 * origin URL refreshed (the port may have changed).
 */
export async function linkWorkspace(workspace: string, url: string): Promise<void> {
  const git = (...args: string[]) =>
    execa('git', args, {
      cwd: workspace,
      env: { ...toolEnv(), GIT_TERMINAL_PROMPT: '0' },
      reject: false,
      stdin: 'ignore',
    });
  if (existsSync(path.join(workspace, '.git'))) {
    const has = await git('remote', 'get-url', 'origin');
    await (has.exitCode === 0 ? git('remote', 'set-url', 'origin', url) : git('remote', 'add', 'origin', url));
    return;
  }
  await git('init', '--quiet', '--initial-branch=main');
  await git('remote', 'add', 'origin', url);
  const fetched = await git('fetch', '--quiet', 'origin', 'main');
  if (fetched.exitCode === 0) {
    // Mixed reset: the seed commit becomes the base, files on disk stay as they are.
    await git('reset', '--quiet', 'origin/main');
    await git('branch', '--quiet', '--set-upstream-to=origin/main', 'main');
  }
}

const gitops: Sandbox = {
  id: 'gitops',
  title: 'LocalStack + kind + Argo CD + Git server',
  async start(options: SandboxStartOptions): Promise<StartedSandbox> {
    const env = process.env;
    const progress = new PhaseProgress(
      {
        preflight: 2,
        'pull-images': 25,
        'start-localstack': 8,
        'create-cluster': 25,
        'install-argocd': 35,
        'seed-git': 5,
      },
      options.onProgress ?? (() => undefined),
    );
    const { problems, engine, cli } = await progress.run(
      'preflight',
      'Checking Docker, kind, kubectl, terraform and git',
      () => preflight(env),
    );
    if (problems.length || !engine || !cli) throw new SandboxRequirementsError(problems);

    const cleanups: (() => Promise<void>)[] = [];
    const stopAll = async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      cleanups.length = 0;
    };
    const lsSettings = localStackSettings({ env, sandboxId: 'gitops', services: ['s3', 'sts', 'iam'] });
    try {
      const pulls = { localstack: 0, node: 0 };
      const pull = (key: keyof typeof pulls, image: string) =>
        ensureImage(engine, image, {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(key === 'localstack' ? { imageVariable: 'DOJO_LOCALSTACK_IMAGE' } : {}),
          onLine: (line) => {
            pulls[key] = Math.min(0.95, pulls[key] + 0.02);
            progress.update(
              'pull-images',
              (pulls.localstack + pulls.node) / 2,
              `Pulling ${image.split('@')[0]}: ${line.slice(0, 80)}`,
            );
          },
        }).then(() => {
          pulls[key] = 1;
          progress.update('pull-images', (pulls.localstack + pulls.node) / 2, `Image ${image.split('@')[0]} ready`);
        });

      const emulator = pull('localstack', lsSettings.image).then(() =>
        progress.run('start-localstack', `Starting LocalStack (${lsSettings.image})`, async () => {
          const ls = await new LocalStack({ env, sandboxId: 'gitops', services: lsSettings.services }).start();
          cleanups.push(() => ls.stop());
          return ls;
        }),
      );

      const cluster = pull('node', KIND_NODE_IMAGE).then(() =>
        progress.run('create-cluster', `Creating kind cluster ${clusterName(options.dojoHome)}`, async (step) => {
          const started = await new KindCluster({
            name: clusterName(options.dojoHome),
            dojoHome: options.dojoHome,
            env: { ...env, ...engine.env },
          }).start((p) => step(0.5, p.message), options.signal);
          cleanups.push(() => started.stop());
          return started;
        }),
      );

      const gitRoot = path.join(options.dojoHome, 'git');
      const git = cluster.then(() =>
        progress.run('seed-git', 'Starting the lab Git server', async (): Promise<StartedGitServer> => {
          await mkdir(gitRoot, { recursive: true });
          // Native Linux: pods reach the host on the kind network's gateway. Docker Desktop and
          // Podman machines: the VM forwards host.docker.internal / host.containers.internal.
          const linuxDocker = process.platform === 'linux';
          const gateway = linuxDocker ? await kindNetworkGateway(engine.binary) : null;
          const host = env['DOJO_GIT_BIND'] ?? gateway ?? '127.0.0.1';
          const advertised = gateway ?? (engine.cli === 'podman' ? 'host.containers.internal' : 'host.docker.internal');
          const port = await stablePort(path.join(gitRoot, 'port'), host);
          const server = await new GitServer({ root: gitRoot, host, port, advertisedHost: advertised }).start();
          cleanups.push(() => server.stop());
          await server.createRepository(SITE_REPO, { from: STARTER, message: 'Starter: team site skeleton' });
          await linkWorkspace(options.workspace, server.repoUrl(SITE_REPO));
          return server;
        }),
      );

      const argocd = cluster.then((c) =>
        progress.run('install-argocd', 'Installing Argo CD', (step): Promise<InstalledArgoCd> =>
          installArgoCd({
            kubectl: new Kubectl(c.kubeconfig, { env }),
            dojoHome: options.dojoHome,
            env,
            onProgress: (message, fraction) => step(fraction, message),
            ...(options.signal ? { signal: options.signal } : {}),
          }),
        ),
      );

      // allSettled, not all: when one phase fails, the others must finish registering their
      // cleanups before we tear down, or a cluster still being created would be left behind.
      const settled = await Promise.allSettled([emulator, cluster, git, argocd]);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [ls, kind, server, argo] = await Promise.all([emulator, cluster, git, argocd]);
      const pluginCache = path.join(options.dojoHome, 'cache', 'terraform-plugins');
      await mkdir(pluginCache, { recursive: true });
      // Terraform lives at the workspace root (where the terraform.* checks look).
      await writeProviderOverride(options.workspace, { endpoint: ls.endpoint, region: REGION });
      progress.update('seed-git', 1, 'Sandbox ready');

      const sandboxEnv: Record<string, string> = {
        PATH: toolEnv().PATH ?? '',
        AWS_ENDPOINT_URL: ls.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        DOJO_AWS_EMULATOR_KIND: 'localstack',
        KUBECONFIG: kind.kubeconfig,
        DOJO_GIT_URL: server.url,
        DOJO_GIT_CLUSTER_URL: server.clusterUrl,
        DOJO_SITE_REPO_URL: server.repoUrl(SITE_REPO),
        DOJO_SITE_REPO_CLUSTER_URL: server.repoUrl(SITE_REPO, { forCluster: true }),
        TF: cli.binary,
        DOJO_TERRAFORM: cli.flavor,
        CHECKPOINT_DISABLE: '1',
        // hashicorp/aws is a large download: cache it once per DOJO_HOME, not once per workspace.
        TF_PLUGIN_CACHE_DIR: pluginCache,
      };
      return {
        id: 'gitops',
        env: sandboxEnv,
        pids: [],
        services: {
          'AWS emulator': `LocalStack ${ls.version} (${ls.image}) at ${ls.endpoint}, container label ${DOJO_LABEL}=gitops`,
          Kubernetes: `kind cluster ${kind.name}${kind.reused ? ' (reused, warm)' : ''}, KUBECONFIG=${kind.kubeconfig}`,
          'Argo CD': `${argo.version} in namespace argocd, ready in ${argo.readySeconds} s; UI: kubectl -n argocd port-forward svc/argocd-server 8080:443, user admin, password ${argo.adminPassword ?? '(initial secret deleted)'}`,
          Git: `${server.repoUrl(SITE_REPO)} (pods use ${server.repoUrl(SITE_REPO, { forCluster: true })})`,
          Terraform: `${cli.flavor} ${cli.version} (${cli.binary})`,
        },
        stop: stopAll,
        [Symbol.asyncDispose]: stopAll,
      };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};

export default gitops;
