/**
 * The practice pages' client for the runner's interview API. Every answer is parsed with the
 * schemas in src/shared/interview-api.ts; a failing call becomes an ApiError that carries the
 * runner's own message and hint, so the page can show them as they are.
 *
 * `probe()` tells the page whether progress can be saved: the site may be served by the runner
 * (saved), by any static server or with the runner stopped (not saved), or by the runner to a
 * browser that has not been given the launch token (not saved, and the fix is different).
 */
import type { z } from 'zod';
import {
  apiErrorSchema,
  attemptSchema,
  historyResponseSchema,
  rateResponseSchema,
  recordingSchema,
  scheduleResponseSchema,
  type Attempt,
  type CreateAttemptRequest,
  type RateResponse,
  type Recording,
  type ReviewCard,
  type SelfRating,
} from '../shared/interview-api.ts';

export type RunnerStatus =
  | { kind: 'connected' }
  /** Nothing answers /api/health: a static server, or the runner is stopped. */
  | { kind: 'not-running' }
  /** The runner answers but refuses this browser: no token cookie yet. */
  | { kind: 'no-token' }
  /** The runner answers, but not as expected (e.g. an older runner without these routes). */
  | { kind: 'error'; message: string };

export class ApiError extends Error {
  readonly status: number;
  readonly hint: string | undefined;
  constructor(status: number, message: string, hint?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.hint = hint;
  }
}

export class AttemptStoreClient {
  readonly #fetch: typeof fetch;

  constructor(fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
    this.#fetch = fetchImpl;
  }

  async probe(): Promise<RunnerStatus> {
    try {
      const health = await this.#fetch('/api/health', { cache: 'no-store' });
      const body: unknown = health.ok ? await health.json().catch(() => null) : null;
      if (health.status === 401) return { kind: 'no-token' };
      if (!health.ok || (body as { ok?: unknown } | null)?.ok !== true) return { kind: 'not-running' };
    } catch {
      return { kind: 'not-running' };
    }
    // /api/health is public; an authenticated route says whether this browser holds the token.
    try {
      const schedule = await this.#fetch('/api/interview/schedule', { cache: 'no-store' });
      if (schedule.status === 401) return { kind: 'no-token' };
      if (!schedule.ok) {
        return { kind: 'error', message: `the runner answered ${schedule.status} to /api/interview/schedule` };
      }
      return { kind: 'connected' };
    } catch (err) {
      return { kind: 'error', message: (err as Error).message };
    }
  }

  async #call<S extends z.ZodType>(schema: S | null, path: string, init: RequestInit = {}): Promise<z.output<S>> {
    let res: Response;
    try {
      res = await this.#fetch(path, { cache: 'no-store', ...init });
    } catch (err) {
      throw new ApiError(0, `the runner did not answer (${(err as Error).message})`, 'is "npm start" still running?');
    }
    if (!res.ok) {
      const parsed = apiErrorSchema.safeParse(await res.json().catch(() => null));
      if (parsed.success) throw new ApiError(res.status, parsed.data.error, parsed.data.hint);
      throw new ApiError(res.status, `the runner answered ${res.status} ${res.statusText} to ${path}`);
    }
    if (!schema) return undefined as z.output<S>;
    const body: unknown = await res.json();
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError(res.status, `unexpected answer from ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  #json(method: string, body: unknown): RequestInit {
    return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  }

  async schedule(): Promise<ReviewCard[]> {
    return (await this.#call(scheduleResponseSchema, '/api/interview/schedule')).cards;
  }

  createAttempt(request: CreateAttemptRequest): Promise<Attempt> {
    return this.#call(attemptSchema, '/api/interview/attempts', this.#json('POST', request));
  }

  rate(attemptId: string, rating: SelfRating, at: Date): Promise<RateResponse> {
    return this.#call(
      rateResponseSchema,
      `/api/interview/attempts/${attemptId}/rating`,
      this.#json('POST', { rating, at: at.toISOString() }),
    );
  }

  async history(questionId: string): Promise<Attempt[]> {
    return (await this.#call(historyResponseSchema, `/api/interview/questions/${questionId}/attempts`)).attempts;
  }

  uploadRecording(attemptId: string, audio: Blob, durationMs: number): Promise<Recording> {
    return this.#call(
      recordingSchema,
      `/api/interview/attempts/${attemptId}/recording?durationMs=${Math.round(durationMs)}`,
      // The declared type without codecs is what the runner checks; the bytes are the browser's own.
      { method: 'PUT', headers: { 'Content-Type': audio.type.split(';')[0] ?? '' }, body: audio },
    );
  }

  async deleteRecording(attemptId: string): Promise<void> {
    await this.#call(null, `/api/interview/attempts/${attemptId}/recording`, { method: 'DELETE' });
  }

  async deleteAttempt(attemptId: string): Promise<void> {
    await this.#call(null, `/api/interview/attempts/${attemptId}`, { method: 'DELETE' });
  }
}
