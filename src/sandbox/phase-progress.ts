/**
 * One progress bar over start-up phases that run in parallel: each phase has a weight, reports
 * its own fraction, and the bar never goes backwards. Every report carries the seconds elapsed
 * since the start, so a learner watching a long start sees it move and knows how long it took.
 */
import type { SandboxProgress } from './sandbox.ts';

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

  /** Seconds since this progress began. */
  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }
}
