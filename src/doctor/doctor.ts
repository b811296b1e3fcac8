/**
 * `dojo doctor`: which tools this machine has, their versions and paths, how to install the
 * missing ones, and which labs can run here. Every probe runs the real binary with a short
 * timeout; nothing is assumed from a file merely existing (a Docker CLI without an engine is
 * reported as "no engine", which is the common case on CI machines and fresh laptops).
 */
import { findGiteaBuild } from '../sandbox/gitea.ts';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { LoadedLab } from '../labs/load-labs.ts';
import type { DoctorReport, LabReadiness, ProviderReport, ToolName, ToolReport } from '../shared/doctor-report.ts';
import type { LabManifest } from '../labs/lab-manifest.ts';
import { toolEnv, which } from '../sandbox/which.ts';
import { localStackProcessVersion, localStackPython } from '../sandbox/localstack-process.ts';
import { findProcessBinaries, processProviderProblem } from '../sandbox/process-binaries.ts';
import { chooseProvider, probeProviders } from '../sandbox/sandbox-provider.ts';

interface Probe {
  name: ToolName;
  /** Binaries to look for, first found wins. */
  binaries: string[];
  /** Arguments that print the version. */
  versionArgs: string[];
  /** Pulls the version out of the command's output; null when it cannot. */
  parse: (out: string) => string | null;
  /** For tools whose CLI has no version flag: asks elsewhere once the binary has proved it runs. */
  resolveVersion?: (binPath: string, env: NodeJS.ProcessEnv) => Promise<string | null>;
  install: ToolReport['install'];
}

const firstMatch = (re: RegExp) => (out: string) => re.exec(out)?.[1] ?? null;

const probes: Probe[] = [
  {
    name: 'node',
    binaries: ['node'],
    versionArgs: ['--version'],
    parse: firstMatch(/v?(\d+\.\d+\.\d+)/),
    install: {
      macos: 'brew install node@24 (or nvm install 24)',
      linux: 'nvm install 24, or your distribution\'s "nodejs" package if it is 22.18 or newer',
      windows: 'winget install OpenJS.NodeJS.LTS',
    },
  },
  {
    name: 'git',
    binaries: ['git'],
    versionArgs: ['--version'],
    parse: firstMatch(/git version (\S+)/),
    install: {
      macos: 'xcode-select --install (or brew install git)',
      linux: 'sudo apt-get install git (Debian/Ubuntu) or sudo dnf install git (Fedora)',
      windows: 'winget install Git.Git',
    },
  },
  {
    name: 'docker',
    binaries: ['docker', 'podman'],
    // The server version proves an engine answers, not just that a CLI is installed.
    versionArgs: ['version', '--format', '{{.Server.Version}}'],
    parse: firstMatch(/^\s*(\d+\.\d+[^\s]*)/m),
    install: {
      macos:
        'Install Docker Desktop (brew install --cask docker) or Podman (brew install podman && podman machine init && podman machine start), then start it',
      linux:
        'Install Docker Engine (https://docs.docker.com/engine/install/) or Podman (sudo apt-get install podman), then start the service',
      windows: 'winget install Docker.DockerDesktop, then start Docker Desktop (WSL 2 backend)',
    },
  },
  {
    name: 'terraform',
    binaries: ['terraform'],
    versionArgs: ['version', '-json'],
    parse: (out) => firstMatch(/"terraform_version":\s*"([^"]+)"/)(out) ?? firstMatch(/Terraform v(\S+)/)(out),
    install: {
      macos: 'brew tap hashicorp/tap && brew install hashicorp/tap/terraform',
      linux: 'https://developer.hashicorp.com/terraform/install (apt repository apt.releases.hashicorp.com)',
      windows: 'winget install Hashicorp.Terraform',
    },
  },
  {
    name: 'tofu',
    binaries: ['tofu'],
    versionArgs: ['version', '-json'],
    parse: (out) => firstMatch(/"terraform_version":\s*"([^"]+)"/)(out) ?? firstMatch(/OpenTofu v(\S+)/)(out),
    install: {
      macos: 'brew install opentofu',
      linux: 'https://opentofu.org/docs/intro/install/ (deb/rpm repositories or the standalone installer)',
      windows: 'winget install OpenTofu.Tofu',
    },
  },
  {
    name: 'kind',
    binaries: ['kind'],
    versionArgs: ['version'],
    parse: firstMatch(/kind v(\S+)/),
    install: {
      macos: 'brew install kind',
      linux: 'go install sigs.k8s.io/kind@v0.32.0 (or the release binary from kind.sigs.k8s.io)',
      windows: 'winget install Kubernetes.kind',
    },
  },
  {
    name: 'kubectl',
    binaries: ['kubectl'],
    versionArgs: ['version', '--client', '-o', 'json'],
    parse: firstMatch(/"gitVersion":\s*"v?([^"]+)"/),
    install: {
      macos: 'brew install kubectl',
      linux: 'https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/ (pkgs.k8s.io apt repository)',
      windows: 'winget install Kubernetes.kubectl',
    },
  },
  {
    name: 'moto_server',
    binaries: ['moto_server'],
    // moto_server has no --version; --help proves it starts, and the version comes from its Python.
    versionArgs: ['--help'],
    parse: (out) => (/usage: moto_server/.test(out) ? 'unknown' : null),
    resolveVersion: motoVersion,
    install: {
      macos:
        'python3 -m venv ~/.dojo-moto && ~/.dojo-moto/bin/pip install "moto[server]" (then put ~/.dojo-moto/bin on PATH)',
      linux:
        'python3 -m venv ~/.dojo-moto && ~/.dojo-moto/bin/pip install "moto[server]" (then put ~/.dojo-moto/bin on PATH)',
      windows: 'py -m venv %USERPROFILE%\\dojo-moto && %USERPROFILE%\\dojo-moto\\Scripts\\pip install "moto[server]"',
    },
  },
  {
    name: 'aws',
    binaries: ['aws'],
    versionArgs: ['--version'],
    parse: firstMatch(/aws-cli\/(\S+)/),
    install: {
      macos: 'brew install awscli',
      linux: 'pip install awscli (into a venv), or the AWS CLI v2 installer from aws.amazon.com/cli',
      windows: 'winget install Amazon.AWSCLI',
    },
  },
  {
    name: 'conftest',
    binaries: ['conftest'],
    versionArgs: ['--version'],
    parse: firstMatch(/Conftest:?\s*v?(\S+)/i),
    install: {
      macos: 'brew install conftest',
      linux: 'go install github.com/open-policy-agent/conftest@v0.71.1',
      windows: 'scoop install conftest (or go install github.com/open-policy-agent/conftest@v0.71.1)',
    },
  },
  {
    name: 'kubeconform',
    binaries: ['kubeconform'],
    versionArgs: ['-v'],
    parse: firstMatch(/v?(\d+\.\d+\.\d+)/),
    install: {
      macos: 'brew install kubeconform',
      linux: 'go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0',
      windows: 'go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0',
    },
  },
  {
    name: 'chromium',
    binaries: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'],
    versionArgs: ['--version'],
    parse: firstMatch(/(\d+\.\d+\.\d+\.\d+)/),
    install: {
      macos: 'Only needed for the end-to-end tests: brew install --cask chromium',
      linux: 'Only needed for the end-to-end tests: sudo apt-get install chromium',
      windows: 'Only needed for the end-to-end tests: winget install Hibbiki.Chromium',
    },
  },
  {
    name: 'kube-apiserver',
    binaries: ['kube-apiserver'],
    versionArgs: ['--version'],
    parse: firstMatch(/Kubernetes v(\S+)/),
    install: {
      macos: 'Not built for macOS: use Docker (kind) for the Kubernetes labs',
      linux:
        'npx dojo sandbox install (builds etcd, the control plane, kwok and Argo CD from the Go module proxy; needs Go)',
      windows: 'Not built for Windows: use Docker Desktop (kind) for the Kubernetes labs',
    },
  },
  {
    name: 'argocd',
    binaries: ['argocd'],
    versionArgs: ['version', '--client', '--short'],
    parse: firstMatch(/argocd: v?(\d+\.\d+\.\d+)/),
    install: {
      macos: 'brew install argocd (the CLI); the process sandbox itself is Linux-only',
      linux: 'npx dojo sandbox install (the same build runs Argo CD and is its CLI)',
      windows: 'winget install argoproj.argocd (the CLI); the process sandbox itself is Linux-only',
    },
  },
  {
    name: 'redis-server',
    binaries: ['redis-server'],
    versionArgs: ['--version'],
    parse: firstMatch(/v=(\d+\.\d+\.\d+)/),
    install: {
      macos: 'brew install redis (only for the process sandbox, which is Linux-only)',
      linux:
        "sudo apt-get install redis-server (Argo CD's cache in the process sandbox; npx dojo sandbox install does it as root)",
      windows: 'Not needed: use Docker Desktop',
    },
  },
  {
    name: 'localstack',
    binaries: [],
    versionArgs: [],
    parse: () => null,
    install: {
      macos: 'Use Docker: the LocalStack container',
      linux:
        'npx dojo sandbox install (localstack-core 4.14.0 from PyPI into .toolchain/localstack; needs Python >= 3.13)',
      windows: 'Use Docker Desktop: the LocalStack container',
    },
  },
];

async function probe(p: Probe, env: NodeJS.ProcessEnv): Promise<ToolReport> {
  if (p.name === 'localstack') {
    // A venv, not a binary on PATH: its python is asked for the installed package's version.
    const python = localStackPython(env);
    const version = python ? await localStackProcessVersion(env) : null;
    return version && python
      ? { name: p.name, found: true, version, path: python, install: p.install }
      : { name: p.name, found: false, version: null, path: python, install: p.install };
  }
  if (p.name === 'kube-apiserver' || p.name === 'argocd' || p.name === 'redis-server') {
    // The process build's own copy first (another version may be on PATH).
    const own = findProcessBinaries(env).bin[p.name];
    if (own) env = { ...env, PATH: [path.dirname(own), env['PATH'] ?? ''].join(path.delimiter) };
  }
  for (const bin of p.binaries) {
    const found = which(bin, env);
    if (!found) continue;
    const result = await execa(found, p.versionArgs, {
      env: toolEnv(env),
      reject: false,
      timeout: 10_000,
      stdin: 'ignore',
    });
    const out = `${result.stdout}\n${result.stderr}`;
    let version = result.exitCode === 0 ? p.parse(out) : null;
    if (version !== null && p.resolveVersion) version = (await p.resolveVersion(found, env)) ?? version;
    if (p.name === 'docker') {
      if (version) return { name: p.name, found: true, version: `${bin} ${version}`, path: found, install: p.install };
      // A CLI with no engine behind it: say so in plain words rather than echoing the CLI's error.
      if (bin === 'podman' || !p.binaries.slice(1).some((b) => which(b, env))) {
        return {
          name: p.name,
          found: false,
          version: null,
          path: found,
          problem: `the ${bin} CLI is installed at ${found} but no container engine answered (${summarize(out, result.timedOut)}). Start Docker Desktop, the Docker service, or "podman machine start"; set DOCKER_HOST if the engine listens elsewhere.`,
          install: p.install,
        };
      }
      continue;
    }
    if (version === null) {
      return {
        name: p.name,
        found: false,
        version: null,
        path: found,
        problem: `${found} ${p.versionArgs.join(' ')} failed: ${summarize(out, result.timedOut)}`,
        install: p.install,
      };
    }
    return { name: p.name, found: true, version, path: found, install: p.install };
  }
  return { name: p.name, found: false, version: null, path: null, install: p.install };
}

/** The moto package version, read with the Python interpreter that sits next to moto_server. */
async function motoVersion(binPath: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const sibling = path.join(path.dirname(binPath), 'python');
  const python = existsSync(sibling) ? sibling : (which('python3', env) ?? 'python3');
  const r = await execa(python, ['-c', 'import moto; print(moto.__version__)'], {
    env: toolEnv(env),
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
  });
  return r.exitCode === 0 ? r.stdout.trim() || null : null;
}

function summarize(out: string, timedOut: boolean): string {
  if (timedOut) return 'no answer within 10 s';
  const line = out
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !/^warning/i.test(l));
  return line ? line.slice(0, 200) : 'no output';
}

type Requirement = LabManifest['requires'][number];

/** Whether a requirement is met, and if not, one sentence saying what to install. */
export function checkRequirement(req: Requirement, tools: Map<ToolName, ToolReport>): string | null {
  const has = (name: ToolName) => tools.get(name)?.found === true;
  switch (req) {
    case 'git':
      return has('git') ? null : 'git is not installed (needed for Git history and the lab repositories).';
    case 'terraform-or-tofu':
      return has('terraform') || has('tofu')
        ? null
        : 'neither terraform nor tofu is installed; install one of them (OpenTofu: "brew install opentofu").';
    case 'aws-emulator':
      return has('docker') || has('moto_server')
        ? null
        : 'no AWS emulator: start a Docker or Podman engine (for LocalStack) or install moto_server (pip install "moto[server]").';
    case 'aws-cli':
      return has('aws')
        ? null
        : 'the AWS CLI (aws) is not installed; the lab uses it to create and inspect the state bucket and lock table.';
    case 'docker':
      return has('docker')
        ? null
        : 'no Docker or Podman engine is reachable; this lab runs containers (LocalStack, kind).';
    case 'kubernetes':
      return (has('kind') && has('docker')) || processReady(tools)
        ? null
        : 'a Kubernetes cluster with Argo CD needs either Docker (with kind) or the process sandbox: run "npx dojo sandbox install" (Linux, needs Go), or start a Docker engine.';
    case 'aws-website':
      return has('docker') || has('localstack')
        ? null
        : 'S3 website endpoints need LocalStack: in a container (start a Docker engine) or as a host process ("npx dojo sandbox install", needs Python >= 3.13).';
    case 'git-platform':
      return has('docker') || findGiteaBuild() !== null
        ? null
        : 'a Git platform with pull requests needs Gitea: in a container (start a Docker engine) or built as a process ("npx dojo sandbox install", needs Go).';
    case 'kind':
      return has('kind') && has('docker')
        ? null
        : 'kind with a running Docker or Podman engine is needed for the Kubernetes clusters.';
    case 'kubectl':
      return has('kubectl') || processReady(tools) ? null : 'kubectl is not installed.';
    case 'conftest':
      return has('conftest') ? null : 'conftest is not installed (policy checks on plan JSON).';
    case 'kubeconform':
      return has('kubeconform') ? null : 'kubeconform is not installed (manifest validation).';
    case 'aws-provider':
      // terraform/tofu download hashicorp/aws at init; we can only say whether a CLI exists to do it.
      return has('terraform') || has('tofu')
        ? null
        : 'the hashicorp/aws provider is downloaded by "terraform init", which needs terraform or tofu and internet access.';
  }
}

/** The process provider's programs are all there (the doctor's probes found each). */
function processReady(tools: Map<ToolName, ToolReport>): boolean {
  return (['kube-apiserver', 'argocd', 'redis-server'] as const).every((n) => tools.get(n)?.found === true);
}

/** Which provider sandboxes use here, why, and the platform facts to know. */
export async function providerReport(env: NodeJS.ProcessEnv = process.env): Promise<ProviderReport> {
  const probe = await probeProviders(env);
  const notes = [
    "Provider process: every listener binds 127.0.0.1, except Argo CD 3.6.1's application controller metrics, which the release hard-codes to all interfaces (0.0.0.0); it gets a random high port.",
  ];
  if (process.platform !== 'linux')
    notes.push(
      `The process provider is built and tested on Linux x86_64 and arm64 only; on ${process.platform} use Docker.`,
    );
  try {
    const choice = chooseProvider(env, probe);
    return {
      inUse: choice.provider,
      reason: choice.reason,
      docker: probe.engineProblem,
      process: probe.processProblem,
      notes,
    };
  } catch (err) {
    return {
      inUse: null,
      reason: (err as Error).message,
      docker: probe.engineProblem,
      process: probe.processProblem ?? processProviderProblem(env),
      notes,
    };
  }
}

/** Memory the system could give a new program now, in MiB (Linux: MemAvailable, which counts reclaimable cache). */
export function availableMemoryMiB(): number {
  return Math.floor(os.freemem() / 1024 / 1024);
}

/** A warning when the lab's stated RAM budget is more than this machine has free, or null. */
export function memoryWarning(budget: LabManifest['budget'], availableMiB: number): string | null {
  if (!budget || budget.ramMiB <= availableMiB) return null;
  const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;
  return `needs about ${gib(budget.ramMiB)} of RAM and this machine has ${gib(availableMiB)} free now: close other programs (or other labs' sandboxes: Stop on their page) before starting it, or its clusters may be killed for lack of memory.`;
}

export function labReadiness(
  lab: { id: string; manifest: LabManifest },
  tools: Map<ToolName, ToolReport>,
  availableMiB?: number,
): LabReadiness {
  const missing = lab.manifest.requires.map((r) => checkRequirement(r, tools)).filter((m): m is string => m !== null);
  const memory = availableMiB === undefined ? null : memoryWarning(lab.manifest.budget, availableMiB);
  return { id: lab.id, runnable: missing.length === 0, missing, ...(memory ? { warnings: [memory] } : {}) };
}

export async function runDoctor(labs: LoadedLab[], env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const [tools, provider] = await Promise.all([Promise.all(probes.map((p) => probe(p, env))), providerReport(env)]);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const free = availableMemoryMiB();
  return { tools, provider, labs: labs.map((lab) => labReadiness(lab, byName, free)) };
}
