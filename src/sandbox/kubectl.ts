/**
 * kubectl behind a small interface: always with an explicit KUBECONFIG (the sandbox's, never the
 * learner's default context), JSON output parsed through zod, and the CLI's own error text kept,
 * classified so callers can tell "not there yet" from "cluster unreachable".
 */
import { execa } from 'execa';
import { z } from 'zod';
import { toolEnv, which } from './which.ts';

export type KubectlProblem = 'not-found' | 'no-resource-type' | 'unreachable' | 'forbidden' | 'missing-cli' | 'other';

export class KubectlError extends Error {
  readonly problem: KubectlProblem;
  /** kubectl's own stderr, trimmed. */
  readonly stderr: string;
  readonly args: string[];
  constructor(problem: KubectlProblem, message: string, stderr: string, args: string[]) {
    super(message);
    this.name = 'KubectlError';
    this.problem = problem;
    this.stderr = stderr;
    this.args = args;
  }
}

/** Classifies kubectl's stderr (texts from k8s.io/kubectl and apimachinery's status errors). */
export function classifyKubectlError(stderr: string): KubectlProblem {
  // Checked before NotFound: a missing API answers "(NotFound) the server could not find the requested resource".
  if (
    /doesn't have a resource type|no matches for kind|the server could not find the requested resource/.test(stderr)
  ) {
    return 'no-resource-type';
  }
  if (/\(NotFound\)|\bnot found\b/.test(stderr)) return 'not-found';
  if (
    /connection to the server .* was refused|Unable to connect to the server|dial tcp|no such host|context deadline exceeded|i\/o timeout/.test(
      stderr,
    )
  ) {
    return 'unreachable';
  }
  if (/\(Forbidden\)|forbidden:/.test(stderr)) return 'forbidden';
  return 'other';
}

const HINTS: Record<KubectlProblem, string> = {
  'not-found': '',
  'no-resource-type':
    'The kind of object is unknown to this cluster: is the CRD installed (for Applications: is Argo CD installed)?',
  unreachable:
    'The cluster does not answer: is the kind cluster running (kind get clusters) and KUBECONFIG pointing at it?',
  forbidden: 'The kubeconfig user may not do this.',
  'missing-cli': '',
  other: '',
};

/** A Kubernetes object as kubectl prints it with -o json; only the envelope is checked. */
export const kubeObjectSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z.object({ name: z.string(), namespace: z.string().optional() }).loose(),
  })
  .loose();

export type KubeObject = z.infer<typeof kubeObjectSchema>;

export const kubeListSchema = z.object({ items: z.array(kubeObjectSchema) }).loose();

export interface KubectlRunOptions {
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class Kubectl {
  readonly kubeconfig: string;
  readonly binary: string;
  /** A context of the kubeconfig to use instead of its current one (KUBECONFIG may list several files). */
  readonly context: string | undefined;
  private readonly env: NodeJS.ProcessEnv;

  /** Throws KubectlError('missing-cli') with install guidance when kubectl is not installed. */
  constructor(kubeconfig: string, options: { binary?: string; env?: NodeJS.ProcessEnv; context?: string } = {}) {
    const env = options.env ?? process.env;
    const binary = options.binary ?? which('kubectl', env);
    if (!binary) {
      throw new KubectlError(
        'missing-cli',
        'expected kubectl on PATH, found none. Fix: brew install kubectl (macOS), winget install Kubernetes.kubectl (Windows), or https://kubernetes.io/docs/tasks/tools/ (Linux).',
        '',
        [],
      );
    }
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.context = options.context;
    this.env = env;
  }

  /** Runs kubectl and returns stdout; a non-zero exit becomes a KubectlError quoting kubectl. */
  async run(args: string[], options: KubectlRunOptions = {}): Promise<string> {
    args = this.context ? ['--context', this.context, ...args] : args;
    const r = await execa(this.binary, args, {
      env: { ...toolEnv(this.env), KUBECONFIG: this.kubeconfig },
      extendEnv: false,
      reject: false,
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 256 * 1024 * 1024,
      ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    if (r.exitCode === 0) return String(r.stdout);
    const stderr =
      String(r.stderr).trim() ||
      (r.timedOut ? `timed out after ${options.timeoutMs ?? 60_000} ms` : `exit ${r.exitCode}`);
    const problem = r.timedOut ? 'unreachable' : classifyKubectlError(stderr);
    const hint = HINTS[problem];
    throw new KubectlError(
      problem,
      `kubectl ${args.join(' ')} failed: ${stderr}${hint ? ` ${hint}` : ''}`,
      stderr,
      args,
    );
  }

  /** One object as JSON, or null when it does not exist. */
  async get(
    resource: string,
    name: string,
    namespace?: string,
    options: KubectlRunOptions = {},
  ): Promise<KubeObject | null> {
    const args = ['get', resource, name, '-o', 'json', ...(namespace ? ['-n', namespace] : [])];
    try {
      return parseKubeObject(await this.run(args, options));
    } catch (err) {
      if (err instanceof KubectlError && err.problem === 'not-found') return null;
      throw err;
    }
  }

  /** Every object of a type (in a namespace, or all namespaces when omitted). */
  async list(resource: string, namespace?: string, options: KubectlRunOptions = {}): Promise<KubeObject[]> {
    const args = ['get', resource, '-o', 'json', ...(namespace ? ['-n', namespace] : ['--all-namespaces'])];
    return parseKubeList(await this.run(args, options));
  }

  /** Server-side apply of a manifest (needed for Argo CD's large CRDs). */
  async applyServerSide(
    manifest: { file: string } | { yaml: string },
    options: { namespace?: string; fieldManager?: string; forceConflicts?: boolean; timeoutMs?: number } = {},
  ): Promise<string> {
    const args = [
      'apply',
      '--server-side',
      `--field-manager=${options.fieldManager ?? 'gitops-dojo'}`,
      ...(options.forceConflicts ? ['--force-conflicts'] : []),
      ...(options.namespace ? ['-n', options.namespace] : []),
      '-f',
      'file' in manifest ? manifest.file : '-',
    ];
    return this.run(args, {
      timeoutMs: options.timeoutMs ?? 300_000,
      ...('yaml' in manifest ? { input: manifest.yaml } : {}),
    });
  }

  /** Whether the API server answers its readiness endpoint. */
  async ready(timeoutMs = 10_000): Promise<boolean> {
    try {
      return (await this.run(['get', '--raw', '/readyz'], { timeoutMs })).trim() === 'ok';
    } catch {
      return false;
    }
  }
}

export function parseKubeObject(stdout: string): KubeObject {
  return kubeObjectSchema.parse(JSON.parse(stdout));
}

export function parseKubeList(stdout: string): KubeObject[] {
  return kubeListSchema.parse(JSON.parse(stdout)).items;
}
