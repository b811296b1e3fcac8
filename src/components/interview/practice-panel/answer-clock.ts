/**
 * The answer timer: counts up in practice mode, down from the limit in interview mode. Time is
 * read from Date.now() on every tick rather than counted in ticks, so a throttled background tab
 * (or a test that moves the clock with Playwright's page.clock) still shows the true time.
 */
export interface ClockTick {
  elapsedMs: number;
  /** null without a limit. */
  remainingMs: number | null;
}

export class AnswerClock {
  readonly #onTick: (tick: ClockTick) => void;
  readonly #onTimeUp: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #startedAt = 0;
  #limitMs: number | null = null;

  constructor(onTick: (tick: ClockTick) => void, onTimeUp: () => void) {
    this.#onTick = onTick;
    this.#onTimeUp = onTimeUp;
  }

  start(limitMs: number | null): void {
    this.stop();
    this.#startedAt = Date.now();
    this.#limitMs = limitMs;
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), 250);
  }

  /** Stops the clock; returns the time elapsed since start. */
  stop(): number {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return Date.now() - this.#startedAt;
  }

  #tick(): void {
    const elapsedMs = Date.now() - this.#startedAt;
    const remainingMs = this.#limitMs === null ? null : Math.max(0, this.#limitMs - elapsedMs);
    this.#onTick({ elapsedMs, remainingMs });
    if (remainingMs === 0) {
      this.stop();
      this.#onTimeUp();
    }
  }
}
