/**
 * LocalStack in a container through @testcontainers/localstack: the AWS emulator that also serves
 * S3 website endpoints (moto stores website configuration but does not serve it).
 *
 * Lifecycle: `new LocalStack(options)` → `start()` → `StartedLocalStack` (AsyncDisposable).
 * Image: `localstack/localstack:4.14.0` by default, the last tag that runs without an account;
 * DOJO_LOCALSTACK_IMAGE picks another, and LOCALSTACK_AUTH_TOKEN is passed through for the newer
 * ones. A newer image without a token exits with code 55; that is explained in plain words here
 * rather than left as testcontainers' "container exited" line.
 *
 * Readiness is LocalStack's own health endpoint (`/_localstack/health`, every wanted service
 * "available" or "running"), polled while watching the container so an early exit is reported at
 * once with its exit code and last log lines. Containers carry our labels and Ryuk's session
 * label: a crashed runner's LocalStack is removed by Ryuk; nothing here uses `withReuse()` (reused
 * containers are not labelled for Ryuk and would outlive the runner).
 *
 * Website requests go to 127.0.0.1:<mapped port> with `Host: <bucket>.s3-website.<domain>`, which
 * LocalStack routes to its website handler, so no DNS (localhost.localstack.cloud) is needed.
 */
import http from 'node:http';
import createDebug from 'debug';
import type Dockerode from 'dockerode';
import type { StartedLocalStackContainer } from '@testcontainers/localstack';
import type { BoundPorts, WaitStrategy } from 'testcontainers';
import { z } from 'zod';
import { friendlyContainerError } from './docker-engine.ts';

const debug = createDebug('dojo:sandbox:localstack');

export const DEFAULT_LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0';
export const LOCALSTACK_IMAGE_VARIABLE = 'DOJO_LOCALSTACK_IMAGE';
export const LOCALSTACK_PORT = 4566;
/** Labels on every container the runner starts, so leftovers can be found and attributed. */
export const DOJO_LABEL = 'dev.gitops-dojo.sandbox';
export const DOJO_OWNER_LABEL = 'dev.gitops-dojo.owner-pid';

/** LocalStack's service states (localstack-core/localstack/services/plugins.py, ServiceState). */
export const serviceStates = [
  'unknown',
  'available',
  'disabled',
  'starting',
  'running',
  'stopping',
  'stopped',
  'error',
] as const;

/** The body of `GET /_localstack/health`: `{ services: { s3: "running", ... }, edition, version }`. */
export const localStackHealthSchema = z
  .object({
    services: z.record(z.string(), z.enum(serviceStates)),
    edition: z.string().optional(),
    version: z.string().optional(),
  })
  .loose();

export type LocalStackHealth = z.infer<typeof localStackHealthSchema>;

export interface LocalStackOptions {
  /** Image to run; defaults to DOJO_LOCALSTACK_IMAGE, then localstack/localstack:4.14.0. */
  image?: string;
  /** Services the sandbox needs ready before it counts as started (also limits what LocalStack loads). */
  services?: string[];
  /** Name of the sandbox, stored as a label. */
  sandboxId?: string;
  /** Where to read DOJO_LOCALSTACK_IMAGE and LOCALSTACK_AUTH_TOKEN; process.env by default. */
  env?: NodeJS.ProcessEnv;
  startupTimeoutMs?: number;
  /** Lines of LocalStack's log, e.g. for the sandbox's progress. */
  onLog?: (line: string) => void;
}

/** Everything `start()` hands to the container, computed without an engine (the contract test reads it). */
export interface LocalStackSettings {
  image: string;
  environment: Record<string, string>;
  labels: Record<string, string>;
  services: string[];
}

export function localStackSettings(options: LocalStackOptions = {}): LocalStackSettings {
  const env = options.env ?? process.env;
  const image = options.image ?? (env[LOCALSTACK_IMAGE_VARIABLE] || DEFAULT_LOCALSTACK_IMAGE);
  const services = options.services ?? ['s3', 'sts', 'iam'];
  const environment: Record<string, string> = {
    // Only load what the lab uses (STRICT_SERVICE_LOADING is on by default): faster, less memory.
    SERVICES: services.join(','),
    // No usage events leave the learner's machine: the product promises nothing is sent anywhere.
    DISABLE_EVENTS: '1',
  };
  const token = env['LOCALSTACK_AUTH_TOKEN'];
  if (token) environment['LOCALSTACK_AUTH_TOKEN'] = token;
  return {
    image,
    environment,
    labels: { [DOJO_LABEL]: options.sandboxId ?? 'aws-emulator', [DOJO_OWNER_LABEL]: String(process.pid) },
    services,
  };
}

/** Parses a health answer; an answer that is not LocalStack's shape says so. */
export function parseLocalStackHealth(body: unknown): LocalStackHealth {
  const r = localStackHealthSchema.safeParse(body);
  if (!r.success) {
    throw new LocalStackError(
      `expected LocalStack's health JSON ({ "services": { "s3": "running", ... } }), found ${JSON.stringify(body).slice(0, 200)}. Is something else listening on that port?`,
    );
  }
  return r.data;
}

/** The wanted services that are not yet usable, with their state ("s3=starting"); empty when ready. */
export function servicesNotReady(health: LocalStackHealth, wanted: string[]): string[] {
  return wanted
    .filter((s) => health.services[s] !== 'available' && health.services[s] !== 'running')
    .map((s) => `${s}=${health.services[s] ?? 'missing'}`);
}

export class LocalStackError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(hint ? `${message} ${hint}` : message);
    this.name = 'LocalStackError';
    this.hint = hint;
  }
}

/** The container stopped during start-up; `message` explains the exit code in plain words. */
export class LocalStackExitError extends LocalStackError {
  readonly exitCode: number;
  readonly logs: string[];
  constructor(exitCode: number, logs: string[], image: string) {
    const { message, hint } = explainLocalStackExit(exitCode, logs, image);
    super(message, hint);
    this.name = 'LocalStackExitError';
    this.exitCode = exitCode;
    this.logs = logs;
  }
}

/** Plain words for a LocalStack container that exited during start-up. */
export function explainLocalStackExit(
  exitCode: number,
  logs: string[],
  image: string,
): { message: string; hint: string } {
  const tail = logs.slice(-12).join('\n');
  if (exitCode === 55 || /requires an account|license activation failed/i.test(tail)) {
    return {
      message: `LocalStack (${image}) stopped with exit code 55: this image needs a LocalStack account. Since March 2026 the newer LocalStack images refuse to start without an auth token, and no valid LOCALSTACK_AUTH_TOKEN was given.`,
      hint: `Fix: unset ${LOCALSTACK_IMAGE_VARIABLE} to use ${DEFAULT_LOCALSTACK_IMAGE} (the last image that runs without an account), or export LOCALSTACK_AUTH_TOKEN=<your token> (https://app.localstack.cloud/settings/auth-tokens) and start the lab again.`,
    };
  }
  if (exitCode === 137) {
    return {
      message: `LocalStack (${image}) was killed during start-up (exit code 137, usually out of memory).`,
      hint: 'Fix: give the Docker engine more memory (Docker Desktop: Settings → Resources; at least 4 GiB for this lab) and close other containers.',
    };
  }
  return {
    message: `LocalStack (${image}) stopped during start-up with exit code ${exitCode}. Its last log lines:\n${tail || '(no output)'}`,
    hint: 'Fix: read the lines above; "docker logs" on a fresh run shows the whole log. Setting DEBUG=dojo:* shows what the runner did.',
  };
}

/**
 * URL and Host header for a website request: the emulator's address (127.0.0.1 for a local engine,
 * the engine's host for a remote DOCKER_HOST) plus the virtual host, so no DNS is involved.
 */
export function websiteRequest(endpoint: string, bucket: string, path = '/'): { url: string; host: string } {
  const u = new URL(endpoint);
  const clean = path.startsWith('/') ? path : `/${path}`;
  return {
    url: `http://${u.hostname === 'localhost' ? '127.0.0.1' : u.hostname}:${u.port || '80'}${clean}`,
    host: `${bucket}.s3-website.localhost.localstack.cloud:${u.port || '80'}`,
  };
}

export interface WebsiteResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends a GET with a chosen Host header (fetch forbids setting Host, so this uses node:http). */
export function getWithHost(url: string, host: string, timeoutMs = 10_000): Promise<WebsiteResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} (Host: ${host}) within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * Readiness through the health endpoint, watching the container: testcontainers' wait contract,
 * written here so an exit (code 55!) is reported with its code and logs instead of a timeout.
 */
class HealthWaitStrategy implements WaitStrategy {
  private timeoutMs = 120_000;
  private timeoutSet = false;
  private readonly services: string[];
  private readonly image: string;
  private readonly logs: string[];

  constructor(services: string[], image: string, logs: string[]) {
    this.services = services;
    this.image = image;
    this.logs = logs;
  }

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }

  async waitUntilReady(container: Dockerode.Container, boundPorts: BoundPorts): Promise<void> {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    const url = `http://${client.info.containerRuntime.host}:${boundPorts.getBinding(LOCALSTACK_PORT)}/_localstack/health`;
    const started = Date.now();
    let last = 'no answer yet';
    while (Date.now() - started < this.timeoutMs) {
      const state = (await container.inspect()).State;
      if (!state.Running && state.Status !== 'created') {
        // Give the log stream a moment to deliver the last lines (the exit-55 explanation is there).
        await new Promise((r) => setTimeout(r, 300));
        throw new LocalStackExitError(state.ExitCode, [...this.logs], this.image);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) {
          const missing = servicesNotReady(parseLocalStackHealth(await res.json()), this.services);
          if (missing.length === 0) return;
          last = `not ready: ${missing.join(', ')}`;
        } else {
          last = `HTTP ${res.status}`;
        }
      } catch (err) {
        if (err instanceof LocalStackError) throw err;
        last = 'not listening yet';
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new LocalStackError(
      `timed out after ${this.timeoutMs} ms waiting for LocalStack's health endpoint ${url} to report ${this.services.join(', ')} ready (last: ${last}).`,
      'Fix: a first start pulls about 1 GiB; on a slow network start the lab again once the pull finished. Otherwise see the container log (DEBUG=dojo:sandbox:localstack).',
    );
  }
}

export class LocalStack {
  readonly settings: LocalStackSettings;
  private readonly options: LocalStackOptions;

  constructor(options: LocalStackOptions = {}) {
    this.options = options;
    this.settings = localStackSettings(options);
  }

  async start(): Promise<StartedLocalStack> {
    const { image, environment, labels, services } = this.settings;
    const logs: string[] = [];
    // Loaded only where a container is started: testcontainers brings dockerode, gRPC and ssh2.
    const { LocalstackContainer } = await import('@testcontainers/localstack');
    const container = new LocalstackContainer(image)
      .withEnvironment(environment)
      .withLabels(labels)
      .withLogConsumer((stream) => {
        stream.on('data', (chunk: string | Buffer) => {
          for (const line of chunk.toString().split('\n').filter(Boolean)) {
            logs.push(line);
            if (logs.length > 200) logs.shift();
            debug('%s', line);
            this.options.onLog?.(line);
          }
        });
      })
      .withWaitStrategy(new HealthWaitStrategy(services, image, logs))
      .withStartupTimeout(this.options.startupTimeoutMs ?? 180_000);
    let started: StartedLocalStackContainer;
    try {
      started = await container.start();
    } catch (err) {
      if (err instanceof LocalStackError) throw err;
      throw friendlyContainerError(err, { image, imageVariable: LOCALSTACK_IMAGE_VARIABLE });
    }
    // A local engine maps ports on loopback; a remote DOCKER_HOST (a classroom host) on its address.
    const host = started.getHost() === 'localhost' ? '127.0.0.1' : started.getHost();
    const endpoint = `http://${host}:${started.getPort()}`;
    const health = parseLocalStackHealth(await (await fetch(`${endpoint}/_localstack/health`)).json());
    return new StartedLocalStack(started, endpoint, image, health.version ?? 'unknown');
  }
}

export class StartedLocalStack implements AsyncDisposable {
  readonly endpoint: string;
  readonly image: string;
  readonly version: string;
  readonly containerId: string;
  private readonly container: StartedLocalStackContainer;

  constructor(container: StartedLocalStackContainer, endpoint: string, image: string, version: string) {
    this.container = container;
    this.endpoint = endpoint;
    this.image = image;
    this.version = version;
    this.containerId = container.getId();
  }

  async health(): Promise<LocalStackHealth> {
    return parseLocalStackHealth(await (await fetch(`${this.endpoint}/_localstack/health`)).json());
  }

  /** GET a path of a bucket's website endpoint, e.g. websiteFetch('dojo-site', '/missing.html'). */
  websiteFetch(bucket: string, path = '/'): Promise<WebsiteResponse> {
    const { url, host } = websiteRequest(this.endpoint, bucket, path);
    return getWithHost(url, host);
  }

  async stop(): Promise<void> {
    await this.container.stop({ remove: true, removeVolumes: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
