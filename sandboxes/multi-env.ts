/**
 * Sandbox "multi-env": a management cluster with Argo CD, the lab Git server with the payments
 * platform repository, and what the learner's Terraform needs to make the dev, staging and prod
 * clusters itself (the multi-env-gitops lab). The sandbox does not create the environment
 * clusters: `terraform apply` does, through the lab's modules/cluster, which calls `dojo cluster
 * create` (kind with Docker, local processes without).
 *
 *   preflight ── mgmt cluster ──┬─ Argo CD ───────────────────────────────┐
 *                               ├─ Git server + seed repository ──────────┼─ ready
 *                               ├─ kubeconform schemas (from its OpenAPI) ┤
 *                               └─ environment clusters made earlier ─────┘
 *
 * Environment clusters belong to the runner that started the lab (DOJO_CLUSTER_OWNER): they stop
 * with the lab, keep their data, and this sandbox restarts them at its next start (same ports and
 * certificates, so Terraform's state, the kubeconfigs and Argo CD's cluster Secrets stay valid).
 * With Docker they are kind clusters, which keep running until `terraform destroy`.
 *
 * Kubeconfigs: DOJO_HOME/multi-env/kube holds one file per cluster, each with a context named
 * after it (mgmt, written here; dev, staging and prod, written by the lab's Terraform), and
 * KUBECONFIG lists them all, mgmt first, so `kubectl` talks to the management cluster and
 * `kubectl --context staging` to staging, with either provider.
 *
 * Terraform needs hashicorp/local only. On a machine with a filesystem mirror of it (this
 * project's CI has no registry), a CLI configuration file makes `init` install it from there and
 * everything else from the registry; elsewhere `init` downloads it as usual.
 */
import { readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import createDebug from 'debug';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { clusterProvider, type StartedCluster } from '../src/sandbox/cluster-provider.ts';
import { announcePushes } from '../src/sandbox/argocd-webhook.ts';
import { DeploymentChangeRecorder } from '../src/sandbox/deployment-change-recorder.ts';
import { GitServer, type StartedGitServer } from '../src/sandbox/git-server.ts';
import { generateKubeconformSchemas } from '../src/sandbox/kube-schemas.ts';
import { Kubectl } from '../src/sandbox/kubectl.ts';
import { linkWorkspace } from '../src/sandbox/link-workspace.ts';
import { PhaseProgress } from '../src/sandbox/phase-progress.ts';
import { findProcessBinaries } from '../src/sandbox/process-binaries.ts';
import { listProcessClusters, ProcessCluster, stopProcessCluster } from '../src/sandbox/process-cluster.ts';
import { processInfo } from '../src/sandbox/process-table.ts';
import { chooseProvider, probeProviders, type ProviderChoice } from '../src/sandbox/sandbox-provider.ts';
import { detectTerraformCli, type TerraformCli } from '../src/sandbox/terraform-cli.ts';
import { stablePort } from '../src/sandbox/free-port.ts';
import { toolEnv, which } from '../src/sandbox/which.ts';
import { installDojoCommand } from '../src/runner/terminal/dojo-command.ts';
import { repoRoot } from '../src/shared/paths.ts';
import type { Sandbox, SandboxStartOptions, StartedSandbox } from '../src/sandbox/sandbox.ts';
import type { SandboxProvides } from '../src/sandbox/sandbox-provides.ts';

/** What labs may rely on (validated against a lab's `requires` when it loads). */
export const provides = {
  env: {
    KUBECONFIG:
      'every cluster of the lab, one file each: mgmt (Argo CD) first and current, then dev, staging and prod once Terraform made them (kubectl --context staging …)',
    DOJO_KUBE_DIR:
      'DOJO_HOME/multi-env/kube, where those kubeconfigs live (outside the repository: they hold credentials)',
    TF: 'the terraform or tofu binary',
    TF_VAR_dojo_command: "the sandbox's cluster command (dojo cluster create|delete), for modules/cluster",
    TF_VAR_kubeconfig_dir: "DOJO_KUBE_DIR, where modules/cluster writes each environment's kubeconfig",
    TF_VAR_mgmt_kubeconfig: "the management cluster's kubeconfig, for modules/argocd-cluster",
    TF_CLI_CONFIG_FILE:
      'only where a filesystem mirror holds hashicorp/local (machines without the Terraform registry): init takes it from there',
    DOJO_PAYMENTS_REPO_URL: 'the payments platform repository on the lab Git server (your workspace is a clone)',
    DOJO_PAYMENTS_REPO_CLUSTER_URL: 'the same repository as Argo CD reaches it (repoURL in Applications)',
    DOJO_GIT_URL: 'the lab Git server',
    DOJO_KUBECONFORM_SCHEMAS: "JSON schemas for kubeconform, generated from the management cluster's OpenAPI",
    DOJO_CHANGE_LOG_DIR:
      "every spec change of every Deployment in the lab's clusters, one <context>.jsonl each, as the sandbox saw it (the argocd.drift check reads it)",
    ARGOCD_OPTS: 'how the argocd CLI reaches Argo CD (logged in as admin without Docker; port-forward with kind)',
    DOJO_HOME: "the runner's data folder (clusters, kubeconfigs, the lab Git server)",
    DOJO_CLUSTER_OWNER:
      'the runner that owns clusters made from the terminal (stopped with the lab, restarted with it)',
    DOJO_PROVIDER_IN_USE: 'docker or process',
    DOJO_PROVIDER: 'the same, so `dojo cluster create` (run by Terraform) uses the provider the sandbox runs on',
    PATH: "the process build's kubectl and argocd first (process provider), the dojo command, your PATH and .toolchain/",
  },
  tools: ['git', 'terraform-or-tofu', 'kubectl', 'kubeconform'],
  services: {
    kubernetes:
      'a management cluster "mgmt" with Argo CD (kind + install.yaml with Docker, local processes without); dev, staging and prod are made by the lab\'s Terraform with `dojo cluster create`',
  },
} satisfies SandboxProvides;

const debug = createDebug('dojo:sandbox:multi-env');

export const LAB = 'multi-env-gitops';
export const MGMT = 'mgmt';
export const REPO = 'payments-platform';
/** Environment clusters are labelled with the lab by modules/cluster (`--label lab=…`). */
export const LAB_LABEL = { lab: LAB };

function labsRoot(env: NodeJS.ProcessEnv): string {
  return path.resolve(env['DOJO_LABS_DIR'] ?? path.join(repoRoot, 'labs'));
}

/** A filesystem mirror holding hashicorp/local for both registries' addresses, or null. */
export function localProviderMirror(env: NodeJS.ProcessEnv): string | null {
  for (const dir of [env['DOJO_PROVIDER_MIRROR'], path.join(repoRoot, '.toolchain', 'providers')]) {
    if (!dir) continue;
    const has = (host: string) => {
      try {
        return readdirSync(path.join(dir, host, 'hashicorp', 'local')).length > 0;
      } catch {
        return false;
      }
    };
    if (has('registry.terraform.io') || has('registry.opentofu.org')) return path.resolve(dir);
  }
  return null;
}

/** The CLI configuration that installs hashicorp/local from `mirror` and every other provider from its registry. */
export function terraformCliConfig(mirror: string): string {
  const local = ['registry.terraform.io/hashicorp/local', 'registry.opentofu.org/hashicorp/local'];
  return [
    '# Written by the multi-env sandbox (sandboxes/multi-env.ts): hashicorp/local from the local',
    '# mirror (this machine cannot reach the Terraform registry), everything else as usual.',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = ${JSON.stringify(local)}`,
    '  }',
    '  direct {',
    `    exclude = ${JSON.stringify(local)}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A copy of a kubeconfig whose cluster, user and context are all named `name`. */
export function renameKubeconfig(yamlText: string, name: string): string {
  const doc = parseYaml(yamlText) as {
    clusters?: { name: string; cluster: unknown }[];
    users?: { name: string; user: unknown }[];
    contexts?: { name: string; context: Record<string, unknown> }[];
    'current-context'?: string;
  };
  const current = doc.contexts?.find((c) => c.name === doc['current-context']) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === current?.context['cluster']) ?? doc.clusters?.[0];
  const user = doc.users?.find((u) => u.name === current?.context['user']) ?? doc.users?.[0];
  if (!cluster || !user)
    throw new Error(`expected a kubeconfig with a cluster and a user, found neither for "${name}"`);
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: cluster.cluster }],
    users: [{ name, user: user.user }],
    contexts: [
      {
        name,
        context: {
          cluster: name,
          user: name,
          ...(current?.context['namespace'] ? { namespace: current.context['namespace'] } : {}),
        },
      },
    ],
    'current-context': name,
  });
}

/** KUBECONFIG for the lab: mgmt first (its context is the current one), then the environments. */
export function labKubeconfig(kubeDir: string): string {
  return ['mgmt', 'dev', 'staging', 'prod'].map((n) => path.join(kubeDir, `${n}.kubeconfig`)).join(path.delimiter);
}

/** The owner token clusters made from this runner's terminals carry (the session manager sets the same). */
function ownerToken(): string {
  return `${process.pid}:${processInfo(process.pid)?.startTime ?? ''}`;
}

/** Every requirement that is not met, each with how to get it; empty when the machine is ready. */
export async function preflight(env: NodeJS.ProcessEnv = process.env): Promise<{
  problems: string[];
  choice: ProviderChoice | null;
  cli: TerraformCli | null;
}> {
  const problems: string[] = [];
  const [probe, cli] = await Promise.all([
    probeProviders(env),
    detectTerraformCli(undefined, env).catch((err: Error) => {
      problems.push(`Terraform: ${err.message}`);
      return null;
    }),
  ]);
  let choice: ProviderChoice | null = null;
  try {
    choice = chooseProvider(env, probe);
  } catch (err) {
    if (probe.engineProblem) problems.push(`Docker or Podman: ${probe.engineProblem}`);
    if (probe.processProblem) problems.push(`Without Docker: ${probe.processProblem}`);
    if (!probe.engineProblem && !probe.processProblem) problems.push((err as Error).message);
  }
  const need = (tool: string, hint: string) => {
    if (!which(tool, toolEnv(env))) problems.push(`${tool}: not on PATH. ${hint}`);
  };
  need('git', 'Fix: install git (macOS: xcode-select --install; Debian/Ubuntu: sudo apt-get install git).');
  need(
    'kubeconform',
    'Fix: brew install kubeconform, or go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0 (scripts/toolchain.sh installs it).',
  );
  if (choice?.provider === 'docker') {
    need('kind', 'Fix: brew install kind, or go install sigs.k8s.io/kind@v0.32.0.');
    need(
      'kubectl',
      'Fix: brew install kubectl, winget install Kubernetes.kubectl, or https://kubernetes.io/docs/tasks/tools/.',
    );
  }
  return { problems, choice, cli };
}

export class SandboxRequirementsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `The multi-env sandbox cannot start on this machine. Missing:\n${problems.map((p) => `  - ${p}`).join('\n')}\nRun "npx dojo doctor" after installing to confirm.`,
    );
    this.name = 'SandboxRequirementsError';
    this.problems = problems;
  }
}

/** Process clusters of this lab in a DOJO_HOME (made by its Terraform), the management cluster aside. */
export function environmentClusters(dojoHome: string): ReturnType<typeof listProcessClusters> {
  return listProcessClusters(dojoHome).filter((c) => c.labels['lab'] === LAB && c.name !== MGMT);
}

const multiEnv: Sandbox = {
  id: 'multi-env',
  title:
    'A management cluster with Argo CD, the lab Git server, and Terraform set up to make dev, staging and prod clusters',
  async start(options: SandboxStartOptions): Promise<StartedSandbox> {
    const env = process.env;
    const report = options.onProgress ?? (() => undefined);
    const pre = new PhaseProgress({ preflight: 1 }, report);
    const { problems, choice, cli } = await pre.run(
      'preflight',
      'Choosing the provider (Docker or processes) and checking terraform, git and kubeconform',
      () => preflight(env),
    );
    if (problems.length || !choice || !cli) throw new SandboxRequirementsError(problems);
    const provider = clusterProvider(choice.provider);
    const docker = choice.provider === 'docker';
    const progress = new PhaseProgress(
      { preflight: 2, 'create-cluster': 25, 'install-argocd': 45, environments: 15, 'seed-git': 5, schemas: 8 },
      report,
    );
    progress.update('preflight', 1, `Provider: ${choice.provider} (${choice.reason})`);

    const home = path.join(options.dojoHome, 'multi-env');
    const kubeDir = path.join(home, 'kube');
    await mkdir(kubeDir, { recursive: true, mode: 0o700 });
    const owner = ownerToken();
    // Watches every cluster whose kubeconfig appears in kubeDir: what drifted, who changed it, when.
    const changeLogDir = path.join(options.dataDir ?? home, 'deployment-changes');
    const cleanups: (() => Promise<void>)[] = [];
    const stopAll = async () => {
      for (const c of cleanups.reverse()) await c().catch((err: unknown) => debug('cleanup failed: %O', err));
      cleanups.length = 0;
    };
    const record = (pid: number, command: string) => options.recordPid?.(pid, command);
    // Environment clusters stop with the lab (with the process provider; kind clusters are the
    // learner's until terraform destroy), whoever started them: the terminal, or the restart below.
    if (!docker) {
      cleanups.push(async () => {
        const running = environmentClusters(options.dojoHome).filter((c) => c.state !== 'stopped' && !c.keepWarm);
        // In parallel: each takes a few seconds to end its processes gracefully.
        await Promise.all(running.map((c) => stopProcessCluster(options.dojoHome, c.name)));
      });
    }
    try {
      const cluster = progress.run(
        'create-cluster',
        docker ? 'Creating the management cluster (kind)' : 'Starting the management cluster "mgmt" (processes)',
        async (step): Promise<StartedCluster> => {
          const started = await provider.startCluster({
            name: MGMT,
            dojoHome: options.dojoHome,
            env,
            labels: { sandbox: 'multi-env', ...LAB_LABEL },
            onProcess: record,
            onProgress: (m, f) => step(f, m),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          cleanups.push(() => started.stop());
          await writeFile(
            path.join(kubeDir, 'mgmt.kubeconfig'),
            renameKubeconfig(await readFile(started.kubeconfig, 'utf8'), MGMT),
            { mode: 0o600 },
          );
          return started;
        },
      );

      // Clusters the learner's Terraform made before a Stop or a runner restart come back as they were.
      const environments = progress.run(
        'environments',
        'Restarting the environment clusters made earlier',
        async (step): Promise<string[]> => {
          if (docker) return [];
          const stopped = environmentClusters(options.dojoHome).filter((c) => c.state !== 'running');
          if (!stopped.length) return [];
          step(0.1, `Restarting ${stopped.map((c) => c.name).join(', ')} from their data`);
          const [pid, startTime] = owner.split(':');
          await Promise.all(
            stopped.map((c) =>
              new ProcessCluster({
                name: c.name,
                dojoHome: options.dojoHome,
                env,
                labels: c.labels,
                owner: 'multi-env sandbox',
                ownerProcess: { pid: Number(pid), startTime: startTime ?? '' },
                onProcess: (p) => record(p.pid, p.command),
                ...(options.signal ? { signal: options.signal } : {}),
              }).start(),
            ),
          );
          return stopped.map((c) => c.name);
        },
      );

      const gitRoot = path.join(options.dataDir ?? home, 'git');
      const git = cluster.then((c) =>
        progress.run('seed-git', 'Starting the lab Git server', async (): Promise<StartedGitServer> => {
          await mkdir(gitRoot, { recursive: true });
          const { host, advertisedHost } = await provider.hostServiceBinding(c, env);
          // Outside the data folder: Reset step moves the data, and Argo CD's repoURL names this port.
          const port = await stablePort(path.join(home, 'git-port'), host);
          const server = await new GitServer({ root: gitRoot, host, port, advertisedHost }).start();
          cleanups.push(() => server.stop());
          await server.createRepository(REPO, {
            from: path.join(labsRoot(env), LAB, 'starter'),
            message: 'Starter: payments platform (Terraform modules, Kustomize base and dev overlay)',
          });
          await linkWorkspace(options.workspace, server.repoUrl(REPO));
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

      const schemas = cluster.then((c) =>
        progress.run('schemas', "Generating kubeconform schemas from the cluster's OpenAPI", () =>
          generateKubeconformSchemas(
            new Kubectl(c.kubeconfig, { env }),
            path.join(options.dojoHome, 'cache', 'kubeconform'),
          ),
        ),
      );

      // allSettled: every phase registers its cleanup before a failure tears everything down.
      const settled = await Promise.allSettled([cluster, environments, git, argocd, schemas]);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [mgmt, restarted, server, argo, sch] = await Promise.all([cluster, environments, git, argocd, schemas]);
      const unannounce = announcePushes(server, argo.webhook);
      cleanups.push(async () => unannounce());

      const recorder = await new DeploymentChangeRecorder(kubeDir, changeLogDir).start();
      cleanups.push(async () => recorder.stop());

      const mirror = localProviderMirror(env);
      let cliConfig: string | null = null;
      if (mirror) {
        cliConfig = path.join(home, 'terraform.rc');
        await writeFile(cliConfig, terraformCliConfig(mirror));
      }
      const dojoBin = installDojoCommand(options.dojoHome);
      const processBin = findProcessBinaries(env).home;
      progress.update('schemas', 1, 'Sandbox ready');

      const sandboxEnv: Record<string, string> = {
        PATH: [...(docker ? [] : [path.join(processBin, 'bin')]), dojoBin, toolEnv().PATH ?? ''].join(path.delimiter),
        DOJO_HOME: options.dojoHome,
        DOJO_CLUSTER_OWNER: owner,
        DOJO_PROVIDER_IN_USE: choice.provider,
        // `dojo cluster create` (from Terraform) must pick the provider this sandbox runs on.
        DOJO_PROVIDER: choice.provider,
        KUBECONFIG: labKubeconfig(kubeDir),
        DOJO_KUBE_DIR: kubeDir,
        ...argo.env,
        DOJO_GIT_URL: server.url,
        DOJO_GIT_CLUSTER_URL: server.clusterUrl,
        DOJO_PAYMENTS_REPO_URL: server.repoUrl(REPO),
        DOJO_PAYMENTS_REPO_CLUSTER_URL: server.repoUrl(REPO, { forCluster: true }),
        DOJO_KUBECONFORM_SCHEMAS: sch.dir,
        DOJO_CHANGE_LOG_DIR: changeLogDir,
        TF: cli.binary,
        DOJO_TERRAFORM: cli.flavor,
        TF_VAR_dojo_command: path.join(dojoBin, 'dojo'),
        TF_VAR_kubeconfig_dir: kubeDir,
        TF_VAR_mgmt_kubeconfig: path.join(kubeDir, 'mgmt.kubeconfig'),
        ...(cliConfig ? { TF_CLI_CONFIG_FILE: cliConfig } : {}),
        CHECKPOINT_DISABLE: '1',
      };
      const envClusters = docker ? [] : environmentClusters(options.dojoHome).map((c) => c.name);
      return {
        id: 'multi-env',
        env: sandboxEnv,
        pids: [],
        services: {
          Provider: `${choice.provider} (${choice.reason})`,
          Kubernetes: mgmt.description,
          Environments: envClusters.length
            ? `${envClusters.join(', ')}${restarted.length ? ` (restarted from their data: ${restarted.join(', ')})` : ''}`
            : 'none yet: terraform apply makes them (step 1)',
          'Argo CD': argo.access,
          Git: `${server.repoUrl(REPO)}${docker ? ` (pods use ${server.repoUrl(REPO, { forCluster: true })})` : ''}`,
          Terraform: `${cli.flavor} ${cli.version} (${cli.binary})${cliConfig ? `; hashicorp/local from the mirror ${mirror}` : ''}`,
          kubeconform: `schemas of Kubernetes ${path.basename(sch.dir)} in ${sch.dir}`,
          ...(argo.notice ? { Notice: argo.notice } : {}),
        },
        persistence: {
          survivesRestart: !docker,
          note: docker
            ? 'The repository and your workspace are kept; the kind clusters keep running until terraform destroy (the management cluster only with DOJO_KEEP_CLUSTER=1).'
            : 'Kept across a Stop and runner restarts: the repository, the management cluster with Argo CD, and the dev, staging and prod clusters (stopped with the lab, restarted from their data).',
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

export default multiEnv;
