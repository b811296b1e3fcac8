/**
 * The platform pipeline's apply: the only place the platform's Terraform is applied.
 *
 * It passes `-var=pipeline_run=<run>` (the platform's configuration refuses a plan or apply
 * without it: the "pipeline only" rule of lab platform-prs), waits for the state lock at most
 * `lockTimeout` (Terraform's own `-lock-timeout`), stops an attempt after `applyMs`, and retries a
 * bounded number of times, only when the failure is one a retry can cure: the lock held by someone
 * else, the emulator not answering, or the attempt timing out. A plan error or a policy of the
 * provider is not retried: it would fail the same way.
 */

/** One run of the Terraform CLI, as the pipeline's executor reports it. */
export interface TerraformRun {
  ok: boolean;
  exitCode: number;
  /** stdout and stderr interleaved. */
  out: string;
  timedOut: boolean;
}

export interface ApplyOptions {
  /** Runs the Terraform CLI with these arguments in the configuration's folder, stopped after timeoutMs. */
  terraform: (args: string[], timeoutMs: number) => Promise<TerraformRun>;
  /** The pipeline run's id, passed as var.pipeline_run. */
  pipelineRun: string;
  /** Terraform's -lock-timeout, e.g. "60s". */
  lockTimeout: string;
  /** At most this many attempts (1 = no retry). */
  attempts: number;
  /** Each attempt is stopped after this long. */
  applyMs: number;
  /** Wait before attempt n+1 (default n × 5 s: the lock holder's apply usually ends soon). */
  backoffMs?: (attempt: number) => number;
  log: (line: string) => void;
}

export interface ApplyResult {
  ok: boolean;
  /** Attempts made (1 to options.attempts). */
  attempts: number;
  /** "Apply complete! …" on success, else the first lines of the last error. */
  summary: string;
  /** Whether some attempt was refused because another process held the state lock. */
  lockContended: boolean;
}

const LOCK_HELD = /Error acquiring the state lock/i;
/** Failures a later attempt can cure: the lock, the emulator stumbling, a timeout. */
const RETRYABLE = /Error acquiring the state lock|connection refused|timeout|503|RequestError/i;

export async function applyWithRetries(o: ApplyOptions): Promise<ApplyResult> {
  const backoff = o.backoffMs ?? ((n: number) => n * 5000);
  let summary = 'not attempted';
  let lockContended = false;
  let attempt = 0;
  while (attempt < o.attempts) {
    attempt++;
    const r = await o.terraform(
      [
        'apply',
        '-auto-approve',
        '-input=false',
        '-no-color',
        `-lock-timeout=${o.lockTimeout}`,
        `-var=pipeline_run=${o.pipelineRun}`,
      ],
      o.applyMs,
    );
    if (r.ok) {
      const done = /Apply complete!.*/.exec(r.out)?.[0] ?? 'applied';
      return {
        ok: true,
        attempts: attempt,
        summary: `${done} (attempt ${attempt} of ${o.attempts}, holding the state lock)`,
        lockContended,
      };
    }
    if (LOCK_HELD.test(r.out)) lockContended = true;
    summary = r.timedOut ? `stopped after ${Math.round(o.applyMs / 1000)} s` : terraformError(r.out);
    if (!(r.timedOut || RETRYABLE.test(r.out)) || attempt === o.attempts) break;
    const wait = backoff(attempt);
    o.log(`attempt ${attempt} failed (${summary}); retrying in ${Math.round(wait / 1000)} s`);
    await new Promise((res) => setTimeout(res, wait));
  }
  return { ok: false, attempts: attempt, summary, lockContended };
}

/** The first lines of Terraform's error (its box drawing removed), else the last line; at most 300 characters. */
export function terraformError(out: string): string {
  const lines = out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const err = lines.findIndex((l) => /^(Error|│ Error)/.test(l));
  return (
    err >= 0
      ? lines
          .slice(err, err + 3)
          .join(' ')
          .replace(/│/g, '')
          .replace(/\s+/g, ' ')
      : (lines.pop() ?? 'failed')
  ).slice(0, 300);
}
