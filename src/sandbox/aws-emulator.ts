/**
 * One interface for the AWS emulators, so sandboxes and checks never care which one runs:
 * LocalStack in a container, LocalStack as a host process, moto in a container, or the
 * `moto_server` process.
 *
 * `startAwsEmulator(options)` picks the backend: DOJO_AWS_EMULATOR (or `options.prefer`) when set,
 * otherwise by provider (DOJO_PROVIDER, see cluster-provider.ts): LocalStack in a container when
 * a container engine answers, and without one moto_server (starts in a second) or, for a lab that
 * needs website endpoints (`needsWebsite`), LocalStack as a host process, because moto keeps the
 * website configuration but does not serve it; the error says so instead of a check failing later.
 */
import os from 'node:os';
import path from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { z } from 'zod';
import { detectDockerEngine, friendlyContainerError } from './docker-engine.ts';
import { parseWithFriendlyErrors } from '../shared/friendly-error.ts';
import { DOJO_LABEL, DOJO_OWNER_LABEL, LocalStack, type WebsiteResponse } from './localstack.ts';
import { MotoServer } from './moto-server.ts';
import type { SandboxPersistence } from './sandbox-persistence.ts';
import { which } from './which.ts';
import { LOCALSTACK_PROCESS_INSTALL_HINT, LocalStackProcess, localStackPython } from './localstack-process.ts';
import type { RunningComponent } from './process-cluster/supervised-process.ts';

export type { WebsiteResponse } from './localstack.ts';

export const awsEmulatorKinds = ['localstack', 'localstack-process', 'moto-container', 'moto-process'] as const;
export type AwsEmulatorKind = (typeof awsEmulatorKinds)[number];

/** The moto image, pinned to the moto version the test toolchain installs; DOJO_MOTO_IMAGE overrides. */
export const DEFAULT_MOTO_IMAGE = 'motoserver/moto:5.2.5';
export const MOTO_IMAGE_VARIABLE = 'DOJO_MOTO_IMAGE';
const MOTO_PORT = 5000;

export interface StartedAwsEmulator extends AsyncDisposable {
  readonly kind: AwsEmulatorKind;
  /** Base URL for every AWS service, e.g. http://127.0.0.1:4566. */
  readonly endpoint: string;
  /** One line for the lab page, e.g. "LocalStack 4.14.0 (localstack/localstack:4.14.0) at http://127.0.0.1:32771". */
  readonly description: string;
  /** Whether `websiteFetch` works (LocalStack only). */
  readonly servesWebsites: boolean;
  /** Processes started (moto_server), for the runner's pid records. */
  readonly pids: number[];
  /** Whether its data survives a stop, a crash and a runner restart (moto_server with a dataDir does). */
  readonly persistence: SandboxPersistence;
  /** GET `path` from the website endpoint of `bucket`. Throws EmulatorCapabilityError on moto. */
  websiteFetch(bucket: string, path?: string): Promise<WebsiteResponse>;
  stop(): Promise<void>;
}

export const awsEmulatorOptionsSchema = z.strictObject({
  /** auto (default): LocalStack with a container engine, moto_server without. */
  prefer: z.enum(['auto', ...awsEmulatorKinds]).optional(),
  /** AWS services the lab uses (LocalStack loads only these). */
  services: z.array(z.string()).optional(),
  /** The lab checks S3 website endpoints: only LocalStack serves them. */
  needsWebsite: z.boolean().optional(),
  sandboxId: z.string().optional(),
  env: z.custom<NodeJS.ProcessEnv>().optional(),
  onProgress: z.custom<(message: string) => void>().optional(),
  /** Where a host-process emulator keeps its data and log (LocalStack process). */
  dataDir: z.string().optional(),
  /** Called synchronously with each host process started, for the runner's pid records. */
  onProcess: z.custom<(c: RunningComponent) => void>().optional(),
  /** The sandbox provider in use: "docker" never picks a host process, "process" never a container. */
  provider: z.enum(['docker', 'process']).optional(),
});

export type AwsEmulatorOptions = z.input<typeof awsEmulatorOptionsSchema>;

/** A backend was asked for something it cannot do (moto and website endpoints). */
export class EmulatorCapabilityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorCapabilityError';
  }
}

/** No backend could be chosen: `message` names what is missing and how to get it. */
export class AwsEmulatorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsEmulatorUnavailableError';
  }
}

/** What the choice depends on, gathered once (and faked in the contract test). */
export interface EmulatorProbe {
  /** null when an engine answers, else why not (DockerEngineError's message). */
  engineProblem: string | null;
  motoServer: boolean;
  /** LocalStack installed as a host process (scripts/toolchain.sh phase localstack). */
  localStackProcess?: boolean;
}

export async function probeEmulators(env: NodeJS.ProcessEnv = process.env): Promise<EmulatorProbe> {
  const engineProblem = await detectDockerEngine(env).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  return {
    engineProblem,
    motoServer: which('moto_server', env) !== null,
    localStackProcess: localStackPython(env) !== null,
  };
}

/** The backend to start, or an error that says what is missing. Pure: the contract test calls it. */
export function chooseAwsEmulator(options: AwsEmulatorOptions, probe: EmulatorProbe): AwsEmulatorKind {
  const env = options.env ?? process.env;
  const fromEnv = env['DOJO_AWS_EMULATOR'];
  if (fromEnv && fromEnv !== 'auto' && !(awsEmulatorKinds as readonly string[]).includes(fromEnv)) {
    throw new AwsEmulatorUnavailableError(
      `expected DOJO_AWS_EMULATOR to be one of auto, ${awsEmulatorKinds.join(', ')}, found "${fromEnv}". Fix: unset it or pick one of those.`,
    );
  }
  const wanted =
    options.prefer && options.prefer !== 'auto' ? options.prefer : (fromEnv as AwsEmulatorKind | 'auto' | undefined);
  if (options.needsWebsite && wanted && wanted !== 'auto' && !wanted.startsWith('localstack')) {
    throw new AwsEmulatorUnavailableError(
      `this lab checks S3 website endpoints, which only LocalStack serves, but ${wanted} was requested (DOJO_AWS_EMULATOR). Fix: unset DOJO_AWS_EMULATOR or set it to localstack or localstack-process.`,
    );
  }
  if (wanted === 'localstack' || wanted === 'moto-container') {
    if (probe.engineProblem)
      throw new AwsEmulatorUnavailableError(`${wanted} needs a container engine. ${probe.engineProblem}`);
    return wanted;
  }
  if (wanted === 'localstack-process') {
    if (!probe.localStackProcess) {
      throw new AwsEmulatorUnavailableError(
        `localstack-process was requested but LocalStack is not installed as a host process. ${LOCALSTACK_PROCESS_INSTALL_HINT}`,
      );
    }
    return wanted;
  }
  if (wanted === 'moto-process') {
    if (!probe.motoServer) {
      throw new AwsEmulatorUnavailableError(
        'moto-process was requested but moto_server is not on PATH. Fix: pip install "moto[server]" into a venv and put its bin/ on PATH.',
      );
    }
    return wanted;
  }
  const useEngine = options.provider !== 'process' && !probe.engineProblem;
  if (useEngine) return 'localstack';
  if (options.provider === 'docker') {
    throw new AwsEmulatorUnavailableError(
      `the docker provider was chosen (DOJO_PROVIDER=docker), but ${probe.engineProblem}`,
    );
  }
  if (options.needsWebsite) {
    if (probe.localStackProcess) return 'localstack-process';
    throw new AwsEmulatorUnavailableError(
      `this lab serves a website from S3, which needs LocalStack (moto does not serve website endpoints): in a container (${probe.engineProblem ?? 'the process provider was chosen'}) or as a host process (not installed). ${LOCALSTACK_PROCESS_INSTALL_HINT}`,
    );
  }
  if (probe.motoServer) return 'moto-process';
  if (probe.localStackProcess) return 'localstack-process';
  throw new AwsEmulatorUnavailableError(
    `no AWS emulator can run here. ${probe.engineProblem ?? ''} Or, without containers: pip install "moto[server]" into a venv and put its bin/ on PATH (moto_server), or run "npx dojo sandbox install" for LocalStack as a host process.`,
  );
}

/** An emulator that keeps everything in memory only. */
const lost = (what: string): SandboxPersistence => ({
  survivesRestart: false,
  note: `${what} keeps everything in memory: Stop, a runner restart or a crash empties it (buckets, objects, tables). Reset step or "Rebuild earlier steps" replays your earlier steps afterwards.`,
  restoredRequests: 0,
});

const noWebsite = (what: string) => () =>
  Promise.reject(
    new EmulatorCapabilityError(
      `${what} stores S3 website configuration but does not serve website endpoints; website checks need LocalStack (a Docker or Podman engine).`,
    ),
  );

async function startMotoContainer(options: AwsEmulatorOptions): Promise<StartedAwsEmulator> {
  const env = options.env ?? process.env;
  const image = env[MOTO_IMAGE_VARIABLE] || DEFAULT_MOTO_IMAGE;
  let started: StartedTestContainer;
  try {
    // Loaded only where a container is started: testcontainers brings dockerode, gRPC and ssh2.
    const { GenericContainer, Wait } = await import('testcontainers');
    started = await new GenericContainer(image)
      .withExposedPorts(MOTO_PORT)
      .withLabels({ [DOJO_LABEL]: options.sandboxId ?? 'aws-emulator', [DOJO_OWNER_LABEL]: String(process.pid) })
      .withWaitStrategy(
        Wait.forHttp('/moto-api/data.json', MOTO_PORT, { abortOnContainerExit: true }).forStatusCode(200),
      )
      .withStartupTimeout(120_000)
      .start();
  } catch (err) {
    throw friendlyContainerError(err, { image, imageVariable: MOTO_IMAGE_VARIABLE });
  }
  const endpoint = `http://127.0.0.1:${started.getMappedPort(MOTO_PORT)}`;
  const stop = async () => {
    await started.stop({ remove: true });
  };
  return {
    kind: 'moto-container',
    endpoint,
    description: `moto (${image}) at ${endpoint}`,
    servesWebsites: false,
    pids: [],
    persistence: lost('moto in a container'),
    websiteFetch: noWebsite('moto'),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Starts the chosen emulator. Errors are friendly: a missing engine or moto_server, an image that
 * cannot be pulled, LocalStack's exit 55, each with what to do.
 */
export async function startAwsEmulator(input: AwsEmulatorOptions = {}): Promise<StartedAwsEmulator> {
  const options = parseWithFriendlyErrors(awsEmulatorOptionsSchema, input, 'startAwsEmulator options');
  const env = options.env ?? process.env;
  const kind = chooseAwsEmulator(options, await probeEmulators(env));
  options.onProgress?.(`Starting the AWS emulator (${kind})`);
  if (kind === 'localstack') {
    const ls = await new LocalStack({
      env,
      ...(options.services ? { services: options.services } : {}),
      ...(options.sandboxId ? { sandboxId: options.sandboxId } : {}),
    }).start();
    return {
      kind,
      endpoint: ls.endpoint,
      description: `LocalStack ${ls.version} (${ls.image}) at ${ls.endpoint}`,
      servesWebsites: true,
      pids: [],
      persistence: lost('LocalStack'),
      websiteFetch: (bucket, path) => ls.websiteFetch(bucket, path),
      stop: () => ls.stop(),
      [Symbol.asyncDispose]: () => ls.stop(),
    };
  }
  if (kind === 'moto-container') return startMotoContainer(options);
  if (kind === 'localstack-process') {
    const ls = await new LocalStackProcess({
      dataDir: options.dataDir ?? path.join(os.tmpdir(), `dojo-localstack-${process.pid}`),
      env,
      ...(options.services ? { services: options.services } : {}),
      ...(options.onProcess ? { onProcess: options.onProcess } : {}),
    }).start();
    return {
      kind,
      endpoint: ls.endpoint,
      description: `LocalStack ${ls.version} (host process, pid ${ls.pid}) at ${ls.endpoint}`,
      servesWebsites: true,
      pids: [ls.pid],
      persistence: lost('LocalStack'),
      websiteFetch: (bucket, path) => ls.websiteFetch(bucket, path),
      stop: () => ls.stop(),
      [Symbol.asyncDispose]: () => ls.stop(),
    };
  }
  // With a data folder, moto records every request there and replays them at the next start.
  const moto = await new MotoServer(
    options.dataDir ? { recordingFile: path.join(options.dataDir, 'moto-recording.jsonl') } : {},
  ).start();
  return {
    kind,
    endpoint: moto.endpoint,
    description: `moto_server at ${moto.endpoint}`,
    servesWebsites: false,
    pids: moto.pid ? [moto.pid] : [],
    persistence: options.dataDir
      ? {
          survivesRestart: true,
          note: 'Buckets, objects and tables are kept across Stop and runner restarts (moto replays its recorded requests; object version ids and dates change).',
          restoredRequests: moto.restored?.requests ?? 0,
        }
      : lost('moto_server'),
    websiteFetch: noWebsite('moto_server'),
    stop: () => moto.stop(),
    [Symbol.asyncDispose]: () => moto.stop(),
  };
}
