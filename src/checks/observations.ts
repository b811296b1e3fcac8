/**
 * Per-run memo of observations. Several assertions (and several checks of one step) ask for the
 * same evidence, such as `terraform show -json`; the first asks, the rest share the promise.
 * A failed observation is memoized too, so one broken emulator yields one clear error.
 */
export class Observations {
  private readonly cache = new Map<string, Promise<unknown>>();
  /** Milliseconds each observation took to gather (for the benchmark's "what dominates"). */
  readonly timings = new Map<string, number>();

  memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      const started = performance.now();
      hit = load().finally(() => this.timings.set(key, performance.now() - started));
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** How many distinct observations were made (benchmarks and tests read this). */
  get size(): number {
    return this.cache.size;
  }
}
