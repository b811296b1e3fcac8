/**
 * Sandbox "gitops": an AWS emulator that serves S3 websites (LocalStack), a Kubernetes cluster
 * with Argo CD, and the lab Git server, for the s3-static-site lab and later GitOps labs.
 *
 * Two providers, one sandbox (src/sandbox/sandbox-provider.ts chooses, DOJO_PROVIDER overrides):
 * - docker: LocalStack and a kind cluster in containers, Argo CD's install.yaml applied into it;
 * - process: LocalStack as a host process, a process cluster (etcd, kube-apiserver, controllers,
 *   kwok) and Argo CD's components as processes. No engine needed: this is how CI grades it.
 *
 * Start-up runs in parallel where it can, each phase reporting progress with its elapsed time:
 *
 *   preflight ──┬─ (pull LocalStack image) ── start LocalStack ── write provider override ─┐
 *               ├─ (pull kind node image) ── cluster ──┬─ Argo CD ───────────────────────┼─ ready
 *               └──────────────────────────────────────┴─ Git server + seed repository ──┘
 *
 * The Git server starts once the cluster exists because, with kind on native Linux, it binds the
 * `kind` network's gateway (pods cannot reach the host's loopback); process clusters reach it on
 * 127.0.0.1. Its port is remembered in DOJO_HOME so repository URLs (the learner's git remote,
 * Argo CD Applications) stay valid across restarts. With the process provider every push is
 * announced to Argo CD as a signed GitHub-style webhook, so commits sync within seconds.
 *
 * A missing tool fails the start with one message naming every missing piece and how to get it,
 * before anything is pulled or started.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import createDebug from 'debug';
import { ensureImage, type DockerEngine } from '../src/sandbox/docker-engine.ts';
import { KindCli, KIND_NODE_IMAGE } from '../src/sandbox/kind-cluster.ts';
import { localStackSettings } from '../src/sandbox/localstack.ts';
import { startAwsEmulator, type StartedAwsEmulator } from '../src/sandbox/aws-emulator.ts';
import { announcePushes } from '../src/sandbox/argocd-webhook.ts';
import { clusterProvider, kindClusterName, type StartedCluster } from '../src/sandbox/cluster-provider.ts';
import { GitServer, type StartedGitServer } from '../src/sandbox/git-server.ts';
import { linkWorkspace } from '../src/sandbox/link-workspace.ts';
import { PhaseProgress } from '../src/sandbox/phase-progress.ts';
import { findProcessBinaries } from '../src/sandbox/process-binaries.ts';
import { writeProviderOverride } from '../src/sandbox/provider-override.ts';
import { probeProviders, chooseProvider, type ProviderChoice } from '../src/sandbox/sandbox-provider.ts';
import { chooseTerraformCli, type TerraformCli } from '../src/sandbox/terraform-cli.ts';
import { stablePort } from '../src/sandbox/free-port.ts';
import { toolEnv, which } from '../src/sandbox/which.ts';
import { repoRoot } from '../src/shared/paths.ts';
import type { Sandbox, SandboxStartOptions, StartedSandbox } from '../src/sandbox/sandbox.ts';
import type { SandboxProvides } from '../src/sandbox/sandbox-provides.ts';

/** What labs may rely on (validated against a lab's `requires` when it loads). */
export const provides = {
  env: {
    PATH: "the process build's kubectl and argocd first (process provider), then your PATH and .toolchain/",
    KUBECONFIG: 'the lab cluster: kind cluster dojo-gitops, or the process cluster in DOJO_HOME/clusters/gitops',
    ARGOCD_OPTS:
      'how the argocd CLI reaches Argo CD (--port-forward on kind; --plaintext to the loopback server without Docker)',
    ARGOCD_SERVER: 'process provider: argocd-server on 127.0.0.1 (the CLI is logged in as admin, ARGOCD_CONFIG_DIR)',
    AWS_ENDPOINT_URL: 'LocalStack (container or host process), which serves S3 website endpoints',
    AWS_ACCESS_KEY_ID: 'test (dummy credentials: nothing can reach a real account)',
    AWS_REGION: 'us-east-1 (also AWS_DEFAULT_REGION)',
    DOJO_SITE_REPO_URL: 'the team repository on the lab Git server, for your git remote',
    DOJO_SITE_REPO_CLUSTER_URL:
      'the same repository as Argo CD reaches it (the kind gateway with Docker; loopback without)',
    DOJO_GIT_URL: 'the lab Git server',
    DOJO_PROVIDER_IN_USE: 'docker or process',
    TF: 'the terraform or tofu binary',
    TF_PLUGIN_CACHE_DIR: 'DOJO_HOME/cache/terraform-plugins: hashicorp/aws is downloaded once',
  },
  tools: ['git', 'terraform-or-tofu', 'kubectl', 'aws-cli', 'aws-provider'],
  services: {
    kubernetes:
      'a cluster with Argo CD: kind + install.yaml with Docker, local processes (etcd, kube-apiserver, kwok, Argo CD) without',
    'aws-website': 'LocalStack 4.14.0 (container or host process), S3 with website endpoints',
    'aws-emulator': 'the same LocalStack',
    docker: 'only with the docker provider',
    kind: 'only with the docker provider',
  },
} satisfies SandboxProvides;

export { linkWorkspace, PhaseProgress };

const debug = createDebug('dojo:sandbox:gitops');

/** The kind cluster's name for a DOJO_HOME (process clusters are named "gitops" inside DOJO_HOME). */
export function clusterName(dojoHome: string): string {
  return kindClusterName('gitops', dojoHome);
}
export const SITE_REPO = 'team-site';
export const REGION = 'us-east-1';
/** Where the repository is seeded from: the lab's starter, the same files the workspace starts with. */
const STARTER = path.join(repoRoot, 'labs', 's3-static-site', 'starter');

/** Every requirement that is not met, each with how to get it; empty when the machine is ready. */
export async function preflight(
  env: NodeJS.ProcessEnv = process.env,
  /** Whose Terraform CLI choice to read and keep (DOJO_HOME/terraform-cli/<lab>.json). */
  lab: { dojoHome: string; lab: string },
): Promise<{
  problems: string[];
  choice: ProviderChoice | null;
  engine: DockerEngine | null;
  cli: TerraformCli | null;
  cliReason: string;
}> {
  const problems: string[] = [];
  const [probe, picked] = await Promise.all([
    probeProviders(env),
    // Per lab and sticky: installing tofu later does not switch a lab begun with terraform.
    chooseTerraformCli({ ...lab, env }).catch((err: Error) => {
      problems.push(`Terraform: ${err.message}`);
      return null;
    }),
  ]);
  const cli = picked?.cli ?? null;
  let choice: ProviderChoice | null = null;
  try {
    choice = chooseProvider(env, probe);
  } catch (err) {
    // Name the Docker way first: it is what most learners have or can install.
    if (probe.engineProblem) problems.push(`Docker or Podman: ${probe.engineProblem}`);
    if (probe.processProblem) problems.push(`Without Docker: ${probe.processProblem}`);
    if (!probe.engineProblem && !probe.processProblem) problems.push((err as Error).message);
  }
  if (choice?.provider === 'docker') {
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
  }
  if (!which('git', env))
    problems.push(
      'git: not on PATH. Fix: install git (macOS: xcode-select --install; Debian/Ubuntu: sudo apt-get install git).',
    );
  return { problems, choice, engine: choice?.engine ?? null, cli, cliReason: picked?.reason ?? '' };
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

const gitops: Sandbox = {
  id: 'gitops',
  title: 'LocalStack + a Kubernetes cluster with Argo CD + Git server (Docker or local processes)',
  async start(options: SandboxStartOptions): Promise<StartedSandbox> {
    const env = process.env;
    const report = options.onProgress ?? (() => undefined);
    const pre = new PhaseProgress({ preflight: 1 }, report);
    const { problems, choice, engine, cli, cliReason } = await pre.run(
      'preflight',
      'Choosing the provider (Docker or processes) and checking terraform, git and kubectl',
      () => preflight(env, { dojoHome: options.dojoHome, lab: path.basename(options.workspace) }),
    );
    if (problems.length || !choice || !cli) throw new SandboxRequirementsError(problems);
    const provider = clusterProvider(choice.provider);
    const docker = choice.provider === 'docker';
    const progress = new PhaseProgress(
      docker
        ? {
            preflight: 2,
            'pull-images': 25,
            'start-localstack': 8,
            'create-cluster': 25,
            'install-argocd': 35,
            'seed-git': 5,
          }
        : { preflight: 2, 'start-localstack': 20, 'create-cluster': 25, 'install-argocd': 45, 'seed-git': 8 },
      report,
    );
    progress.update('preflight', 1, `Provider: ${choice.provider} (${choice.reason})`);

    const cleanups: (() => Promise<void>)[] = [];
    const stopAll = async () => {
      for (const c of cleanups.reverse()) await c().catch((err: unknown) => debug('cleanup failed: %O', err));
      cleanups.length = 0;
    };
    const record = (pid: number, command: string) => options.recordPid?.(pid, command);
    const lsSettings = localStackSettings({ env, sandboxId: 'gitops', services: ['s3', 'sts', 'iam'] });
    try {
      const pulls = { localstack: 0, node: 0 };
      const pull = (key: keyof typeof pulls, image: string): Promise<void> => {
        if (!docker || !engine) return Promise.resolve();
        return ensureImage(engine, image, {
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
      };

      const emulator = pull('localstack', lsSettings.image).then(() =>
        progress.run(
          'start-localstack',
          docker ? `Starting LocalStack (${lsSettings.image})` : 'Starting LocalStack 4.14.0 as a host process',
          async (step): Promise<StartedAwsEmulator> => {
            const ls = await startAwsEmulator({
              provider: choice.provider,
              needsWebsite: true,
              services: lsSettings.services,
              sandboxId: 'gitops',
              env,
              dataDir: path.join(options.dojoHome, 'localstack', 'gitops'),
              onProcess: (c) => record(c.pid, c.command),
              onProgress: (m) => step(0.3, m),
            });
            cleanups.push(() => ls.stop());
            return ls;
          },
        ),
      );

      const cluster = pull('node', KIND_NODE_IMAGE).then(() =>
        progress.run(
          'create-cluster',
          docker ? `Creating kind cluster ${clusterName(options.dojoHome)}` : 'Starting the process cluster "gitops"',
          async (step): Promise<StartedCluster> => {
            const started = await provider.startCluster({
              name: 'gitops',
              dojoHome: options.dojoHome,
              env,
              labels: { sandbox: 'gitops' },
              onProcess: record,
              onProgress: (m, f) => step(f, m),
              ...(options.signal ? { signal: options.signal } : {}),
            });
            cleanups.push(() => started.stop());
            return started;
          },
        ),
      );

      const gitRoot = path.join(options.dojoHome, 'git');
      const git = cluster.then((c) =>
        progress.run('seed-git', 'Starting the lab Git server', async (): Promise<StartedGitServer> => {
          await mkdir(gitRoot, { recursive: true });
          const { host, advertisedHost } = await provider.hostServiceBinding(c, env);
          const port = await stablePort(path.join(gitRoot, 'port'), host);
          const server = await new GitServer({ root: gitRoot, host, port, advertisedHost }).start();
          cleanups.push(() => server.stop());
          await server.createRepository(SITE_REPO, { from: STARTER, message: 'Starter: team site skeleton' });
          await linkWorkspace(options.workspace, server.repoUrl(SITE_REPO));
          return server;
        }),
      );

      const argocd = cluster.then((c) =>
        progress.run('install-argocd', docker ? 'Installing Argo CD' : 'Starting Argo CD 3.6.1 as processes', (step) =>
          provider.startArgoCd(c, {
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
      const [ls, k8s, server, argo] = await Promise.all([emulator, cluster, git, argocd]);
      const unannounce = announcePushes(server, argo.webhook);
      cleanups.push(async () => unannounce());
      const pluginCache = path.join(options.dojoHome, 'cache', 'terraform-plugins');
      await mkdir(pluginCache, { recursive: true });
      // Terraform lives at the workspace root (where the terraform.* checks look).
      await writeProviderOverride(options.workspace, { endpoint: ls.endpoint, region: REGION });
      progress.update('seed-git', 1, 'Sandbox ready');

      const processBin = findProcessBinaries(env).home;
      const sandboxEnv: Record<string, string> = {
        // The process build's kubectl and argocd first: the versions the sandbox was tested with.
        PATH: [...(docker ? [] : [path.join(processBin, 'bin')]), toolEnv().PATH ?? ''].join(path.delimiter),
        AWS_ENDPOINT_URL: ls.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        DOJO_AWS_EMULATOR_KIND: ls.kind.startsWith('localstack') ? 'localstack' : ls.kind,
        DOJO_PROVIDER_IN_USE: choice.provider,
        KUBECONFIG: k8s.kubeconfig,
        ...argo.env,
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
          Provider: `${choice.provider} (${choice.reason})`,
          'AWS emulator': ls.description,
          Kubernetes: k8s.description,
          'Argo CD': argo.access,
          Git: `${server.repoUrl(SITE_REPO)}${docker ? ` (pods use ${server.repoUrl(SITE_REPO, { forCluster: true })})` : ''}`,
          Terraform: `${cli.flavor} ${cli.version} (${cli.binary})`,
          'Terraform choice': cliReason,
          ...(argo.notice ? { Notice: argo.notice } : {}),
        },
        // LocalStack (community) keeps nothing on disk: the bucket and pages are gone after a Stop.
        persistence: {
          survivesRestart: false,
          note: docker
            ? "Not kept across a Stop or a runner restart: LocalStack's bucket and the kind cluster (set DOJO_KEEP_CLUSTER=1 to keep the cluster). Kept: the team repository and your workspace. Rebuild earlier steps (or $TF apply) brings the bucket back."
            : "Kept across a Stop and runner restarts: the cluster with Argo CD and everything it deployed, and the team repository. Not kept: LocalStack's bucket and pages (LocalStack keeps nothing on disk); Rebuild earlier steps (or $TF apply) brings them back.",
          restoredRequests: 0,
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
