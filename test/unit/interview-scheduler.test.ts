import { describe, expect, it } from 'vitest';
import { ReviewScheduler, ReviewTimeError } from '../../src/interview/review-scheduler.ts';
import { LocalSchedule, LOCAL_SCHEDULE_KEY } from '../../src/interview/local-schedule.ts';
import { reviewCardSchema } from '../../src/shared/interview-api.ts';

const DAY = 24 * 60 * 60 * 1000;

/** An injected clock the test moves by hand. */
function fakeClock(start: string) {
  let now = new Date(start);
  return {
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

/** localStorage's interface over a Map. */
class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  clear() {
    this.#items.clear();
  }
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
  setItem(key: string, value: string) {
    this.#items.set(key, value);
  }
}

describe('review scheduler (FSRS)', () => {
  it('schedules a new question by its first rating, days ahead, and makes it due when the clock passes', () => {
    const clock = fakeClock('2026-03-02T09:00:00Z');
    const scheduler = new ReviewScheduler(clock.now);
    const previews = scheduler.preview('q', null);
    expect(Object.fromEntries(Object.entries(previews).map(([r, c]) => [r, c.due]))).toEqual({
      again: '2026-03-03T09:00:00.000Z',
      hard: '2026-03-04T09:00:00.000Z',
      good: '2026-03-05T09:00:00.000Z',
      easy: '2026-03-10T09:00:00.000Z',
    });
    const card = scheduler.review('q', null, 'good');
    expect(reviewCardSchema.parse(card)).toEqual(card);
    expect(card).toMatchObject({ reps: 1, lapses: 0, state: 'review', lastRating: 'good', scheduledDays: 3 });
    expect(scheduler.isDue(card)).toBe(false);
    clock.advance(3 * DAY - 1);
    expect(scheduler.isDue(card)).toBe(false);
    clock.advance(1);
    expect(scheduler.isDue(card)).toBe(true);
    expect(scheduler.due([card]).map((c) => c.questionId)).toEqual(['q']);
  });

  it('grows the interval on repeated success and shrinks it after "again"', () => {
    const clock = fakeClock('2026-03-02T09:00:00Z');
    const scheduler = new ReviewScheduler(clock.now);
    let card = scheduler.review('q', null, 'good');
    const intervals = [card.scheduledDays];
    for (let i = 0; i < 3; i++) {
      clock.advance(card.scheduledDays * DAY);
      card = scheduler.review('q', card, 'good');
      intervals.push(card.scheduledDays);
    }
    expect(intervals.every((d, i) => i === 0 || d > intervals[i - 1]!)).toBe(true);
    clock.advance(card.scheduledDays * DAY);
    const lapsed = scheduler.review('q', card, 'again');
    expect(lapsed.lapses).toBe(1);
    expect(lapsed.scheduledDays).toBeLessThan(card.scheduledDays);
  });

  it('lists due cards most overdue first', () => {
    const clock = fakeClock('2026-03-02T09:00:00Z');
    const scheduler = new ReviewScheduler(clock.now);
    const a = scheduler.review('a', null, 'easy');
    const b = scheduler.review('b', null, 'again');
    const c = scheduler.review('c', null, 'good');
    clock.advance(30 * DAY);
    expect(scheduler.due([a, c, b]).map((x) => x.questionId)).toEqual(['b', 'c', 'a']);
  });

  it('refuses a review dated before the last one, saying expected and found', () => {
    const clock = fakeClock('2026-03-02T09:00:00Z');
    const scheduler = new ReviewScheduler(clock.now);
    const card = scheduler.review('q', null, 'good');
    expect(() => scheduler.review('q', card, 'good', new Date('2026-03-01T00:00:00Z'))).toThrow(ReviewTimeError);
    expect(() => scheduler.review('q', card, 'good', new Date('2026-03-01T00:00:00Z'))).toThrow(
      /expected a review time at or after the last review of "q" \(2026-03-02T09:00:00.000Z\), found 2026-03-01T00:00:00.000Z/,
    );
  });
});

describe('local schedule (localStorage fallback)', () => {
  it('keeps ratings in storage and reads them back through the schema', () => {
    const clock = fakeClock('2026-03-02T09:00:00Z');
    const storage = new MemoryStorage();
    const local = new LocalSchedule(storage, new ReviewScheduler(clock.now));
    expect(local.read()).toEqual({ cards: [], problem: null });
    local.rate('q1', 'good');
    clock.advance(DAY);
    const second = local.rate('q1', 'hard');
    local.rate('q2', 'easy');
    const { cards, problem } = local.read();
    expect(problem).toBeNull();
    expect(cards.map((c) => c.questionId).sort()).toEqual(['q1', 'q2']);
    expect(cards.find((c) => c.questionId === 'q1')).toEqual(second);
    expect(second.reps).toBe(2);
  });

  it('reports a stored value it cannot read instead of silently dropping it', () => {
    const storage = new MemoryStorage();
    const local = new LocalSchedule(storage, new ReviewScheduler());
    storage.setItem(LOCAL_SCHEDULE_KEY, '{"version":1,"cards":[{"questionId":"q"}]}');
    const read = local.read();
    expect(read.cards).toEqual([]);
    expect(read.problem).toMatch(
      /^localStorage "gitops-dojo:interview-schedule" is not a review schedule \(cards\.0\.due: /,
    );
    storage.setItem(LOCAL_SCHEDULE_KEY, 'not json');
    expect(local.read().problem).toBe('localStorage "gitops-dojo:interview-schedule" is not JSON');
  });
});
