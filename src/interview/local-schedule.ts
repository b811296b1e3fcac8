/**
 * The review schedule kept in this browser's localStorage, for when the runner is not running
 * (the site served by any static server). Only the schedule is kept here: answers and recordings
 * need the runner, and the page says so.
 *
 * Stored under one key as `{ version: 1, cards: ReviewCard[] }`, parsed with the API's card
 * schema on every read. A value that does not parse is not silently replaced: `read()` reports it
 * and the page shows the problem; the next rating starts a fresh schedule.
 */
import { z } from 'zod';
import { reviewCardSchema, type ReviewCard, type SelfRating } from '../shared/interview-api.ts';
import type { ReviewScheduler } from './review-scheduler.ts';

export const LOCAL_SCHEDULE_KEY = 'gitops-dojo:interview-schedule';
const storedSchema = z.strictObject({ version: z.literal(1), cards: z.array(reviewCardSchema) });

export interface LocalScheduleRead {
  cards: ReviewCard[];
  /** Set when something was stored but could not be read. */
  problem: string | null;
}

export class LocalSchedule {
  readonly #storage: Storage;
  readonly #scheduler: ReviewScheduler;

  constructor(storage: Storage, scheduler: ReviewScheduler) {
    this.#storage = storage;
    this.#scheduler = scheduler;
  }

  read(): LocalScheduleRead {
    const raw = this.#storage.getItem(LOCAL_SCHEDULE_KEY);
    if (raw === null) return { cards: [], problem: null };
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return { cards: [], problem: `localStorage "${LOCAL_SCHEDULE_KEY}" is not JSON` };
    }
    const parsed = storedSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        cards: [],
        problem: `localStorage "${LOCAL_SCHEDULE_KEY}" is not a review schedule (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`,
      };
    }
    return { cards: parsed.data.cards, problem: null };
  }

  /** Rates a question now and stores its new card; returns the card. */
  rate(questionId: string, rating: SelfRating, at: Date = this.#scheduler.now()): ReviewCard {
    const cards = this.read().cards;
    const previous = cards.find((c) => c.questionId === questionId) ?? null;
    const card = this.#scheduler.review(questionId, previous, rating, at);
    const next = [...cards.filter((c) => c.questionId !== questionId), card];
    this.#storage.setItem(LOCAL_SCHEDULE_KEY, JSON.stringify({ version: 1, cards: next }));
    return card;
  }
}
