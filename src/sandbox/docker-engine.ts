/**
 * Finds the container engine (Docker or Podman) the containerised sandboxes need, and turns the
 * errors of the layers above it (testcontainers, image pulls) into sentences a learner can act on.
 *
 * Detection asks the engine itself (`<cli> version --format {{.Server.Version}}`): a CLI whose
 * engine is not running is the common case on fresh laptops and CI machines, and is reported as
 * such. KIND_EXPERIMENTAL_PROVIDER=podman (kind's own switch) makes Podman the preferred engine.
 */
import { execa } from 'execa';
import { toolEnv, which } from './which.ts';

export type EngineCli = 'docker' | 'podman';

export interface DockerEngine {
  cli: EngineCli;
  /** Absolute path of the CLI. */
  binary: string;
  /** The engine's version, which proves it answered. */
  serverVersion: string;
  /** Variables kind and testcontainers need for this engine (Podman: KIND_EXPERIMENTAL_PROVIDER). */
  env: Record<string, string>;
}

export type DockerEngineProblem = 'no-cli' | 'no-engine' | 'image' | 'network';

/** What is missing and how to get it; `message` is one paragraph the lab page shows as it is. */
export class DockerEngineError extends Error {
  readonly problem: DockerEngineProblem;
  readonly hint: string;
  constructor(problem: DockerEngineProblem, found: string, hint: string) {
    super(`${found} ${hint}`);
    this.name = 'DockerEngineError';
    this.problem = problem;
    this.hint = hint;
  }
}

/** The error testcontainers throws, at once, when no engine answers on any socket it knows. */
export const NO_RUNTIME_STRATEGY = 'Could not find a working container runtime strategy';

const platform = (): 'macos' | 'linux' | 'windows' =>
  process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux';

const INSTALL: Record<ReturnType<typeof platform>, string> = {
  macos:
    'Install Docker Desktop (brew install --cask docker) and start it, or Podman (brew install podman && podman machine init && podman machine start).',
  linux:
    'Install Docker Engine (https://docs.docker.com/engine/install/) and start it (sudo systemctl start docker), or Podman (sudo apt-get install podman; systemctl --user start podman.socket).',
  windows: 'Install Docker Desktop (winget install Docker.DockerDesktop) and start it (WSL 2 backend).',
};

const START: Record<EngineCli, Record<ReturnType<typeof platform>, string>> = {
  docker: {
    macos: 'Start Docker Desktop (open -a Docker) and wait until it says "Engine running".',
    linux:
      'Start the engine (sudo systemctl start docker) and make sure your user may use it (sudo usermod -aG docker $USER, then log in again).',
    windows: 'Start Docker Desktop and wait until it says "Engine running".',
  },
  podman: {
    macos: 'Start the Podman VM: podman machine start.',
    linux: 'Start the Podman API socket: systemctl --user start podman.socket.',
    windows: 'Start the Podman VM: podman machine start.',
  },
};

/** Podman needs DOCKER_HOST for testcontainers, and rootless Ryuk misbehaves on macOS. */
const PODMAN_TESTCONTAINERS =
  'For Podman, testcontainers also needs DOCKER_HOST pointing at the Podman socket (Linux: unix://$XDG_RUNTIME_DIR/podman/podman.sock; macOS: the path from podman machine inspect --format "{{.ConnectionInfo.PodmanSocket.Path}}"), and on macOS TESTCONTAINERS_RYUK_DISABLED=true.';

/** The first meaningful line of a CLI's output, for quoting in an error. */
export function firstLine(out: string): string {
  return (
    out
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !/^warning/i.test(l))
      ?.slice(0, 240) ?? 'no output'
  );
}

/** Which CLIs to try, in order: Podman first when KIND_EXPERIMENTAL_PROVIDER asks for it. */
export function engineCandidates(env: NodeJS.ProcessEnv = process.env): EngineCli[] {
  return env['KIND_EXPERIMENTAL_PROVIDER'] === 'podman' ? ['podman', 'docker'] : ['docker', 'podman'];
}

/**
 * The engine to use, or a DockerEngineError saying exactly what is missing (no CLI at all, or a CLI
 * whose engine does not answer) and how to get it on this platform.
 */
export async function detectDockerEngine(env: NodeJS.ProcessEnv = process.env): Promise<DockerEngine> {
  const failures: string[] = [];
  let sawCli: EngineCli | null = null;
  for (const cli of engineCandidates(env)) {
    const binary = which(cli, env);
    if (!binary) continue;
    sawCli ??= cli;
    const r = await execa(binary, ['version', '--format', '{{.Server.Version}}'], {
      env: toolEnv(env),
      reject: false,
      timeout: 10_000,
      stdin: 'ignore',
    });
    const version = /^\s*(\d+\.\d+[^\s]*)/m.exec(String(r.stdout))?.[1];
    if (r.exitCode === 0 && version) {
      return {
        cli,
        binary,
        serverVersion: version,
        env: cli === 'podman' ? { KIND_EXPERIMENTAL_PROVIDER: 'podman' } : {},
      };
    }
    failures.push(`${cli}: ${r.timedOut ? 'no answer within 10 s' : firstLine(`${r.stderr}\n${r.stdout}`)}`);
  }
  if (!sawCli) {
    throw new DockerEngineError(
      'no-cli',
      'No Docker or Podman was found on PATH; this lab runs containers (LocalStack, kind).',
      INSTALL[platform()],
    );
  }
  throw new DockerEngineError(
    'no-engine',
    `The ${sawCli} CLI is installed but no container engine answered (${failures.join('; ')}).`,
    `${START[sawCli][platform()]} Set DOCKER_HOST if the engine listens elsewhere.${sawCli === 'podman' ? ` ${PODMAN_TESTCONTAINERS}` : ''}`,
  );
}

/**
 * Rewrites errors from testcontainers and image pulls into DockerEngineError; anything it does not
 * recognise is returned unchanged. `image` names the image being started, for pull failures.
 */
export function friendlyContainerError(err: unknown, context: { image?: string; imageVariable?: string } = {}): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const text = error.message;
  if (text.includes(NO_RUNTIME_STRATEGY)) {
    return new DockerEngineError(
      'no-engine',
      'No Docker or Podman engine is reachable (testcontainers tried DOCKER_HOST, ~/.testcontainers.properties, /var/run/docker.sock and the rootless sockets).',
      `${INSTALL[platform()]} If an engine is running, set DOCKER_HOST to its socket. ${PODMAN_TESTCONTAINERS}`,
    );
  }
  const image = context.image ?? 'the image';
  const override = context.imageVariable ? ` or set ${context.imageVariable} to an image you can pull` : '';
  if (
    /pull access denied|manifest unknown|manifest for .* not found|repository does not exist|No such image/i.test(text)
  ) {
    return new DockerEngineError(
      'image',
      `The image ${image} could not be pulled: the registry says it does not exist or needs a login (${firstLine(text)}).`,
      `Check the name and tag${override}; run "docker login" if it is private.`,
    );
  }
  if (
    /ENOTFOUND|EAI_AGAIN|i\/o timeout|TLS handshake timeout|dial tcp[^:]*: (?:lookup|connect)|server misbehaving|network is unreachable/i.test(
      text,
    )
  ) {
    return new DockerEngineError(
      'network',
      `The image ${image} could not be downloaded: the registry is unreachable (${firstLine(text)}).`,
      `Connect to the internet once to pull it (it is cached afterwards), or pre-pull it with "docker pull ${image}"${override}.`,
    );
  }
  return error;
}

/**
 * Makes sure an image is in the engine's cache, pulling it with the CLI when it is not, so the
 * sandbox can show "pull images" as its own phase (and pull several in parallel) before anything
 * starts. `onLine` gets the CLI's progress lines. Returns whether a pull happened.
 */
export async function ensureImage(
  engine: DockerEngine,
  image: string,
  options: { onLine?: (line: string) => void; signal?: AbortSignal; imageVariable?: string } = {},
): Promise<{ pulled: boolean }> {
  const present = await execa(engine.binary, ['image', 'inspect', '--format', '{{.Id}}', image], {
    env: toolEnv(),
    reject: false,
    stdin: 'ignore',
  });
  if (present.exitCode === 0) return { pulled: false };
  const child = execa(engine.binary, ['pull', image], {
    env: toolEnv(),
    reject: false,
    stdin: 'ignore',
    all: true,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  child.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split(/\r?\n/)) if (line.trim()) options.onLine?.(line.trim());
  });
  const r = await child;
  if (r.exitCode !== 0) {
    throw friendlyContainerError(new Error(String(r.all ?? r.stderr)), {
      image,
      ...(options.imageVariable ? { imageVariable: options.imageVariable } : {}),
    });
  }
  return { pulled: true };
}
