/**
 * Sandbox "platform": an internal developer platform, for the platform-prs lab. Gitea (pull
 * requests, statuses, branch protection, webhooks), the platform pipeline GitOps Dojo runs on every
 * webhook (src/sandbox/platform-pipeline.ts), an AWS emulator for plans and applies, and a
 * Kubernetes cluster with Argo CD whose ApplicationSet turns namespace requests into namespaces.
 *
 * Two providers, one sandbox (src/sandbox/sandbox-provider.ts chooses):
 * - docker: the Gitea release image, LocalStack, kind + Argo CD's install.yaml;
 * - process: Gitea built from its Go module, moto_server (or LocalStack), the process cluster and
 *   Argo CD as processes. This is how CI grades it.
 *
 *   preflight ──┬─ AWS emulator ── state bucket ──────────────────────────────┐
 *               ├─ cluster ──┬─ Argo CD ─────────────────────────────────────┼─ ApplicationSet, pipeline ─ ready
 *               │            └─ kubeconform schemas (from its OpenAPI) ──────┤
 *               └─ Gitea ── platform bootstrap (accounts, repo, webhook, protection) ┘
 *
 * The learner pushes as `alex` (not an admin: an admin could merge past the pipeline). Gitea's
 * port, the pipeline's port, the passwords and the webhook secret are kept in DOJO_HOME, so the
 * clone's remote, Argo CD's repository URL and Gitea's webhook survive restarts.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import createDebug from 'debug';
import { startAwsEmulator, type StartedAwsEmulator } from '../src/sandbox/aws-emulator.ts';
import { clusterProvider, type StartedArgoCd, type StartedCluster } from '../src/sandbox/cluster-provider.ts';
import { findGiteaBuild, giteaProcessProblem, startGitea, type StartedGitea } from '../src/sandbox/gitea.ts';
import {
  bootstrapPlatform,
  linkPlatformWorkspace,
  PLATFORM_ORG,
  PLATFORM_REPO,
  type PlatformAccess,
} from '../src/sandbox/gitea-bootstrap.ts';
import { generateKubeconformSchemas, schemaLocation } from '../src/sandbox/kube-schemas.ts';
import { Kubectl } from '../src/sandbox/kubectl.ts';
import { PhaseProgress } from '../src/sandbox/phase-progress.ts';
import { PlatformPipeline } from '../src/sandbox/platform-pipeline.ts';
import { findProcessBinaries } from '../src/sandbox/process-binaries.ts';
import { writeProviderOverride } from '../src/sandbox/provider-override.ts';
import { probeProviders, chooseProvider } from '../src/sandbox/sandbox-provider.ts';
import { detectTerraformCli } from '../src/sandbox/terraform-cli.ts';
import { stablePort } from '../src/sandbox/free-port.ts';
import { toolEnv, which } from '../src/sandbox/which.ts';
import { decideRegistrySteps } from '../src/labs/registry-steps.ts';
import { repoRoot } from '../src/shared/paths.ts';
import type { Sandbox, SandboxStartOptions, StartedSandbox } from '../src/sandbox/sandbox.ts';
import type { SandboxProvides } from '../src/sandbox/sandbox-provides.ts';

/** What labs may rely on (validated against a lab's `requires` when it loads). */
export const provides = {
  env: {
    GITEA_URL: "Gitea, the platform's Git host (web UI and REST API), e.g. http://127.0.0.1:PORT",
    GITEA_TOKEN: 'an API token of your account, alex (Authorization: token $GITEA_TOKEN)',
    GITEA_USER: 'alex, your account (a developer of team payments, not an admin)',
    DOJO_PLATFORM_REPO: 'platform/infra-requests, the repository your workspace is a clone of',
    DOJO_PLATFORM_REPO_URL: 'its clone URL',
    DOJO_PLATFORM_RUNS: 'the folder holding one JSON record per pipeline run',
    DOJO_KUBECONFORM_SCHEMAS: "JSON schemas for kubeconform, generated from the lab cluster's OpenAPI",
    DOJO_GIT_URL: "Gitea's base URL (the argocd.app check reads branch heads there)",
    KUBECONFIG: 'the lab cluster (kind with Docker, the process cluster "platform" without)',
    ARGOCD_OPTS: 'how the argocd CLI reaches Argo CD',
    AWS_ENDPOINT_URL: 'the AWS emulator (LocalStack or moto_server)',
    AWS_ACCESS_KEY_ID: 'test (dummy credentials)',
    AWS_REGION: 'us-east-1 (also AWS_DEFAULT_REGION)',
    TF: 'the terraform or tofu binary',
    TF_PLUGIN_CACHE_DIR: 'DOJO_HOME/cache/terraform-plugins, shared with the pipeline',
    DOJO_PROVIDER_IN_USE: 'docker or process',
  },
  tools: ['git', 'terraform-or-tofu', 'kubectl', 'aws-cli', 'conftest', 'kubeconform', 'aws-provider'],
  services: {
    'git-platform':
      'Gitea 1.27.3 (container, or the binary built from its Go module), with the platform pipeline on its webhooks',
    kubernetes: 'a cluster with Argo CD and the ApplicationSet team-namespaces',
    'aws-emulator': "LocalStack or moto_server, holding the platform's Terraform state",
  },
} satisfies SandboxProvides;

const debug = createDebug('dojo:sandbox:platform');

export const REGION = 'us-east-1';
export const STATE_BUCKET = 'northwind-platform-tfstate';
const STARTER = path.join(repoRoot, 'labs', 'platform-prs', 'starter');

/** The ApplicationSet that turns requests/<team>/namespace.yaml into Applications (and namespaces). */
export function applicationSet(repoUrl: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: team-namespaces
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - git:
        repoURL: ${repoUrl}
        revision: main
        requeueAfterSeconds: 20
        files:
          - path: "requests/*/namespace.yaml"
  template:
    metadata:
      name: "team-{{ .team }}"
      labels:
        northwind.example/team: "{{ .team }}"
    spec:
      project: default
      source:
        repoURL: ${repoUrl}
        targetRevision: main
        path: charts/team-namespace
        helm:
          valueFiles:
            - "../../{{ .path.path }}/namespace.yaml"
      destination:
        server: https://kubernetes.default.svc
        namespace: "team-{{ .team }}"
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
`;
}

export class SandboxRequirementsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `The platform sandbox cannot start on this machine. Missing:\n${problems.map((p) => `  - ${p}`).join('\n')}\nRun "npx dojo doctor" after installing to confirm.`,
    );
    this.name = 'SandboxRequirementsError';
    this.problems = problems;
  }
}

function tool(name: string, env: NodeJS.ProcessEnv, extraDirs: string[], hint: string, problems: string[]): string {
  for (const d of extraDirs) {
    const found = which(name, { ...env, PATH: d });
    if (found) return found;
  }
  const found = which(name, toolEnv(env));
  if (!found) problems.push(`${name}: not on PATH. ${hint}`);
  return found ?? name;
}

async function createStateBucket(endpoint: string): Promise<void> {
  const s3 = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET })).catch((err: Error) => {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(err.name)) throw err;
    });
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: STATE_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  } finally {
    s3.destroy();
  }
}

const platform: Sandbox = {
  id: 'platform',
  title:
    'Gitea + the platform pipeline + an AWS emulator + a Kubernetes cluster with Argo CD (Docker or local processes)',
  async start(options: SandboxStartOptions): Promise<StartedSandbox> {
    const env = process.env;
    const report = options.onProgress ?? (() => undefined);
    const pre = new PhaseProgress({ preflight: 1 }, report);
    const problems: string[] = [];
    const { choice, cli, registry, tools } = await pre.run(
      'preflight',
      'Choosing the provider and checking Gitea, terraform, helm, conftest and kubeconform',
      async () => {
        const [probe, cli, registry] = await Promise.all([
          probeProviders(env),
          detectTerraformCli(undefined, env).catch((err: Error) => {
            problems.push(`Terraform: ${err.message}`);
            return null;
          }),
          decideRegistrySteps(env),
        ]);
        let choice = null;
        try {
          choice = chooseProvider(env, probe);
        } catch (err) {
          problems.push((err as Error).message);
        }
        if (choice?.provider === 'process') {
          const gp = giteaProcessProblem(env);
          if (gp) problems.push(`Gitea: ${gp}`);
        }
        const processBin = path.join(findProcessBinaries(env).home, 'bin');
        const tools = {
          git: tool('git', env, [], 'Install git.', problems),
          helm: tool(
            'helm',
            env,
            [processBin],
            'Install helm 3 or 4 (brew install helm; https://helm.sh/docs/intro/install/).',
            problems,
          ),
          conftest: tool(
            'conftest',
            env,
            [],
            'brew install conftest, or go install github.com/open-policy-agent/conftest@v0.71.1.',
            problems,
          ),
          kubeconform: tool(
            'kubeconform',
            env,
            [],
            'brew install kubeconform, or go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0.',
            problems,
          ),
          tf: cli?.binary ?? 'terraform',
        };
        return { choice, cli, registry, tools };
      },
    );
    if (problems.length || !choice || !cli) throw new SandboxRequirementsError(problems);
    const provider = clusterProvider(choice.provider);
    const docker = choice.provider === 'docker';
    const progress = new PhaseProgress(
      {
        preflight: 2,
        'start-emulator': 10,
        'create-cluster': 20,
        'install-argocd': 40,
        gitea: 15,
        'platform-ready': 13,
      },
      report,
    );
    progress.update('preflight', 1, `Provider: ${choice.provider} (${choice.reason})`);

    const cleanups: (() => Promise<void>)[] = [];
    const stopAll = async () => {
      for (const c of cleanups.reverse()) await c().catch((err: unknown) => debug('cleanup failed: %O', err));
      cleanups.length = 0;
    };
    const record = (pid: number, command: string) => options.recordPid?.(pid, command);
    const data = options.dataDir ?? path.join(options.dojoHome, 'sandbox-data', 'platform');
    const platformHome = path.join(options.dojoHome, 'platform');
    await mkdir(platformHome, { recursive: true, mode: 0o700 });
    try {
      const emulator = progress.run(
        'start-emulator',
        'Starting the AWS emulator and the state bucket',
        async (step): Promise<StartedAwsEmulator> => {
          await mkdir(path.join(data, 'aws'), { recursive: true, mode: 0o700 });
          const em = await startAwsEmulator({
            provider: choice.provider,
            services: ['s3', 'sts', 'iam'],
            sandboxId: 'platform',
            env,
            dataDir: path.join(data, 'aws'),
            onProcess: (c) => record(c.pid, c.command),
            onProgress: (m) => step(0.3, m),
          });
          cleanups.push(() => em.stop());
          await createStateBucket(em.endpoint);
          return em;
        },
      );
      const cluster = progress.run(
        'create-cluster',
        docker ? 'Creating the kind cluster' : 'Starting the process cluster "platform"',
        async (step): Promise<StartedCluster> => {
          const started = await provider.startCluster({
            name: 'platform',
            dojoHome: options.dojoHome,
            env,
            labels: { sandbox: 'platform' },
            onProcess: record,
            onProgress: (m, f) => step(f, m),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          cleanups.push(() => started.stop());
          return started;
        },
      );
      const argocd = cluster.then((c) =>
        progress.run(
          'install-argocd',
          docker ? 'Installing Argo CD' : 'Starting Argo CD 3.6.1 as processes',
          (step): Promise<StartedArgoCd> =>
            provider.startArgoCd(c, {
              dojoHome: options.dojoHome,
              env,
              onProgress: (message, fraction) => step(fraction, message),
              ...(options.signal ? { signal: options.signal } : {}),
            }),
        ),
      );
      const schemas = cluster.then((c) =>
        generateKubeconformSchemas(
          new Kubectl(c.kubeconfig, { env }),
          path.join(options.dojoHome, 'cache', 'kubeconform'),
        ),
      );
      const pipelinePort = await stablePort(path.join(platformHome, 'pipeline-port'));
      const gitea = progress.run(
        'gitea',
        docker ? 'Starting Gitea 1.27.3 (container)' : 'Starting Gitea 1.27.3 as a process',
        async (step): Promise<{ g: StartedGitea; access: PlatformAccess }> => {
          const g = await startGitea({
            provider: choice.provider,
            dataDir: path.join(data, 'gitea'),
            portFile: path.join(platformHome, 'gitea-port'),
            env,
            onProcess: (c) => record(c.pid, c.command),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          cleanups.push(() => g.stop());
          step(
            0.6,
            `Gitea ready at ${g.url} in ${(g.startMs / 1000).toFixed(1)} s; setting up the platform repository`,
          );
          // With kind, Gitea (in a container) calls the pipeline on the host.
          const hookHost = docker ? 'host.docker.internal' : '127.0.0.1';
          const access = await bootstrapPlatform({
            gitea: g,
            dataDir: path.join(data, 'gitea'),
            starter: STARTER,
            webhookUrl: `http://${hookHost}:${pipelinePort}/hooks/gitea`,
          });
          await linkPlatformWorkspace(options.workspace, access, path.join(data, 'gitea', 'git-credentials'));
          return { g, access };
        },
      );

      const settled = await Promise.allSettled([emulator, cluster, argocd, schemas, gitea]);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [em, k8s, argo, sch, { g, access }] = await Promise.all([emulator, cluster, argocd, schemas, gitea]);

      const result = await progress.run(
        'platform-ready',
        'Starting the platform pipeline and the ApplicationSet',
        async () => {
          const pluginCache = path.join(options.dojoHome, 'cache', 'terraform-plugins');
          await mkdir(pluginCache, { recursive: true });
          const processBin = findProcessBinaries(env).home;
          const pathVar = [...(docker ? [] : [path.join(processBin, 'bin')]), toolEnv().PATH ?? ''].join(
            path.delimiter,
          );
          const pipeline = new PlatformPipeline({
            giteaUrl: g.url,
            owner: access.owner,
            repo: access.repo,
            token: access.pipeline.token,
            webhookSecret: access.webhookSecret,
            runsDir: path.join(data, 'pipeline-runs'),
            workRoot: platformHome,
            tools,
            schemaLocation: schemaLocation(sch.dir),
            aws: { endpoint: em.endpoint, region: REGION },
            terraform: registry,
            kubeconfig: k8s.kubeconfig,
            env: {
              PATH: pathVar,
              TF_PLUGIN_CACHE_DIR: pluginCache,
              ...(env['DOJO_PROVIDER_MIRROR'] ? { DOJO_PROVIDER_MIRROR: env['DOJO_PROVIDER_MIRROR'] } : {}),
            },
            host: docker ? '0.0.0.0' : '127.0.0.1',
            port: pipelinePort,
          });
          await pipeline.listen();
          cleanups.push(() => pipeline.stop());
          // Argo CD reads the repository where pods reach Gitea: loopback for processes, the kind gateway with Docker.
          const { advertisedHost } = await provider.hostServiceBinding(k8s, env);
          const clusterRepoUrl = access.repoUrl.replace('127.0.0.1', advertisedHost);
          await new Kubectl(k8s.kubeconfig, { env }).run(['apply', '-f', '-'], {
            input: applicationSet(clusterRepoUrl),
          });
          // For a plan from the laptop (refused by the pipeline-only rule): the same override the pipeline writes.
          await mkdir(path.join(options.workspace, 'terraform'), { recursive: true });
          await writeProviderOverride(path.join(options.workspace, 'terraform'), {
            endpoint: em.endpoint,
            region: REGION,
          });
          return { pipeline, pluginCache, pathVar, clusterRepoUrl };
        },
      );
      progress.update('platform-ready', 1, 'Sandbox ready');
      const base = g.url.replace(/\/$/, '');
      const sandboxEnv: Record<string, string> = {
        PATH: result.pathVar,
        GITEA_URL: base,
        GITEA_TOKEN: access.learner.token,
        GITEA_USER: access.learner.username,
        DOJO_PLATFORM_REPO: `${PLATFORM_ORG}/${PLATFORM_REPO}`,
        DOJO_PLATFORM_REPO_URL: access.repoUrl,
        DOJO_PLATFORM_RUNS: path.join(data, 'pipeline-runs'),
        DOJO_KUBECONFORM_SCHEMAS: sch.dir,
        DOJO_GIT_URL: base,
        DOJO_GIT_CLUSTER_URL: result.clusterRepoUrl.replace(`/${PLATFORM_ORG}/${PLATFORM_REPO}.git`, ''),
        AWS_ENDPOINT_URL: em.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        DOJO_AWS_EMULATOR_KIND: em.kind.startsWith('localstack') ? 'localstack' : em.kind,
        DOJO_PROVIDER_IN_USE: choice.provider,
        KUBECONFIG: k8s.kubeconfig,
        ...argo.env,
        TF: cli.binary,
        DOJO_TERRAFORM: cli.flavor,
        CHECKPOINT_DISABLE: '1',
        TF_PLUGIN_CACHE_DIR: result.pluginCache,
      };
      const build = docker ? null : findGiteaBuild(env);
      return {
        id: 'platform',
        env: sandboxEnv,
        pids: g.pid ? [g.pid] : [],
        services: {
          Provider: `${choice.provider} (${choice.reason})`,
          Gitea: `${base}/${PLATFORM_ORG}/${PLATFORM_REPO}: sign in as ${access.learner.username}, password ${access.learner.password}. ${g.provider === 'docker' ? 'Gitea 1.27.3 (container)' : `Gitea 1.27.3 as a process, ready in ${(g.startMs / 1000).toFixed(1)} s`}${build && !build.webUi ? '. Its web UI has no styles or scripts in this build (the frontend was not built): the Platform panel on this page shows pull requests, statuses and comments' : ''}`,
          Pipeline: `on Gitea's webhooks (${result.pipeline.url}, signed); runs and logs in the Platform panel`,
          'Terraform plans': registry.applicable ? `run (${registry.line})` : `not possible here: ${registry.line}`,
          'AWS emulator': em.description,
          Kubernetes: k8s.description,
          'Argo CD': argo.access,
          Terraform: `${cli.flavor} ${cli.version} (${cli.binary})`,
          ...(argo.notice ? { Notice: argo.notice } : {}),
        },
        persistence: {
          survivesRestart: !docker,
          note: docker
            ? 'Gitea keeps its data in DOJO_HOME; the emulator starts empty after a Stop.'
            : 'Gitea (repository, pull requests, comments) and the cluster keep their data across Stop and restarts.',
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

export default platform;
