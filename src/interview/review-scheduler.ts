/**
 * Spaced repetition for interview questions: the learner's self-rating after an attempt moves the
 * question's next review date, using FSRS (`ts-fsrs`).
 *
 * Settings, and why:
 * - no short-term learning steps: FSRS would otherwise ask again in 1 and 10 minutes, which suits
 *   flashcards, not a three-minute spoken answer; the first "Good" schedules days ahead;
 * - no fuzz: intervals are reproducible (tests, and "next review in 3 days" stays true);
 * - 90 % target retention, FSRS's default.
 * The clock is injected: the runner passes the review time it accepted, the browser its own clock,
 * tests a fixed one. The same class runs in the runner and in the browser (localStorage fallback).
 */
import { createEmptyCard, fsrs, Rating, State, type Card, type FSRS, type Grade } from 'ts-fsrs';
import { selfRatings, type ReviewCard, type SelfRating } from '../shared/interview-api.ts';

export type Clock = () => Date;

const GRADES: Record<SelfRating, Grade> = {
  again: Rating.Again,
  hard: Rating.Hard,
  good: Rating.Good,
  easy: Rating.Easy,
};
const STATES: Record<State, ReviewCard['state']> = {
  [State.New]: 'new',
  [State.Learning]: 'learning',
  [State.Review]: 'review',
  [State.Relearning]: 'relearning',
};
const FROM_STATE: Record<ReviewCard['state'], State> = {
  new: State.New,
  learning: State.Learning,
  review: State.Review,
  relearning: State.Relearning,
};

/** A review dated before the question's last review: the scheduler cannot go back in time. */
export class ReviewTimeError extends Error {
  constructor(questionId: string, at: Date, lastReview: string) {
    super(
      `expected a review time at or after the last review of "${questionId}" (${lastReview}), found ${at.toISOString()}. Fix: check the computer's clock; a review cannot be recorded in the past.`,
    );
    this.name = 'ReviewTimeError';
  }
}

function toCard(card: ReviewCard): Card {
  return {
    due: new Date(card.due),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: 0, // deprecated in ts-fsrs 5: derived from last_review
    scheduled_days: card.scheduledDays,
    learning_steps: card.learningSteps,
    reps: card.reps,
    lapses: card.lapses,
    state: FROM_STATE[card.state],
    ...(card.lastReview ? { last_review: new Date(card.lastReview) } : {}),
  };
}

function fromCard(questionId: string, card: Card, lastRating: SelfRating | null): ReviewCard {
  return {
    questionId,
    due: card.due.toISOString(),
    stability: card.stability,
    difficulty: card.difficulty,
    scheduledDays: card.scheduled_days,
    learningSteps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    state: STATES[card.state],
    lastReview: card.last_review ? card.last_review.toISOString() : null,
    lastRating,
  };
}

export class ReviewScheduler {
  readonly #clock: Clock;
  readonly #fsrs: FSRS = fsrs({ enable_short_term: false, enable_fuzz: false, request_retention: 0.9 });

  constructor(clock: Clock = () => new Date()) {
    this.#clock = clock;
  }

  now(): Date {
    return this.#clock();
  }

  /** The card after rating an attempt at `at`; `previous` is null for a question never rated. */
  review(questionId: string, previous: ReviewCard | null, rating: SelfRating, at: Date = this.#clock()): ReviewCard {
    if (previous?.lastReview && at.getTime() < Date.parse(previous.lastReview)) {
      throw new ReviewTimeError(questionId, at, previous.lastReview);
    }
    const card = previous ? toCard(previous) : createEmptyCard(at);
    return fromCard(questionId, this.#fsrs.next(card, at, GRADES[rating]).card, rating);
  }

  /** What each rating would do now: shown on the rating buttons ("Good: in 3 days"). */
  preview(questionId: string, previous: ReviewCard | null, at: Date = this.#clock()): Record<SelfRating, ReviewCard> {
    const entries = selfRatings.map((r) => [r, this.review(questionId, previous, r, at)] as const);
    return Object.fromEntries(entries) as Record<SelfRating, ReviewCard>;
  }

  isDue(card: ReviewCard, at: Date = this.#clock()): boolean {
    return Date.parse(card.due) <= at.getTime();
  }

  /** The due cards, most overdue first. */
  due(cards: readonly ReviewCard[], at: Date = this.#clock()): ReviewCard[] {
    return cards.filter((c) => this.isDue(c, at)).sort((a, b) => Date.parse(a.due) - Date.parse(b.due));
  }
}
