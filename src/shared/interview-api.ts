/**
 * The interview-practice API between the browser and the runner (`/api/interview/...`), as zod
 * schemas. The runner parses every request with these; the browser parses every response (and
 * what it keeps in localStorage), so a mismatch fails loudly at the boundary instead of rendering
 * half a page.
 *
 * Routes (all need the launch token; POST/PUT/DELETE also need the runner's own Origin):
 *
 * | Method | Path                                           | Body → Answer                                  |
 * | ------ | ---------------------------------------------- | ---------------------------------------------- |
 * | GET    | /api/interview/schedule                        | → `scheduleResponse`                           |
 * | POST   | /api/interview/attempts                        | `createAttemptRequest` → 201 `attempt`         |
 * | GET    | /api/interview/questions/:question/attempts    | → `historyResponse` (newest first)             |
 * | POST   | /api/interview/attempts/:attempt/rating        | `rateRequest` → `rateResponse`                 |
 * | DELETE | /api/interview/attempts/:attempt               | → 204 (its recording too)                      |
 * | PUT    | /api/interview/attempts/:attempt/recording     | raw audio, `?durationMs=` → 201 `recording`    |
 * | GET    | /api/interview/attempts/:attempt/recording     | → the audio bytes (Range supported)            |
 * | DELETE | /api/interview/attempts/:attempt/recording     | → 204                                          |
 *
 * Time: `at` on an attempt or a rating is the browser's clock. The page decides what is due by
 * comparing due dates with that same clock, so taking the review time from it keeps the schedule
 * on one clock (and lets end-to-end tests move time with Playwright's `page.clock`). It is harmless:
 * browser and runner share a machine, the value only moves this learner's own schedule, and the
 * runner refuses a rating time earlier than the question's last review (which would make the
 * scheduler compute a negative interval). Without `at` the runner uses its own clock.
 */
import { z } from 'zod';
import { idSchema } from './ids.ts';

export const practiceModes = ['practice', 'interview'] as const;
export const answerKinds = ['text', 'audio'] as const;
/** The learner's self-rating after an attempt, in FSRS terms (Again < Hard < Good < Easy). */
export const selfRatings = ['again', 'hard', 'good', 'easy'] as const;
export const reviewStates = ['new', 'learning', 'review', 'relearning'] as const;

/** Recordings: what MediaRecorder produces in Chromium/Edge (webm), Firefox (ogg) and Safari (mp4). */
export const recordingContentTypes = ['audio/webm', 'audio/ogg', 'audio/mp4'] as const;
/** 16 MiB: at the 64 kbit/s the page records with, that is over half an hour of speech. */
export const RECORDING_MAX_BYTES = 16 * 1024 * 1024;
/** The page stops a recording after ten minutes; longer is not an interview answer. */
export const RECORDING_MAX_MS = 10 * 60 * 1000;
export const ANSWER_MAX_CHARS = 20_000;

const isoDate = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-03-02T09:00:00Z' });

// --- Feedback -------------------------------------------------------------------------------------

export const matchedMentionSchema = z.strictObject({
  /** The phrase from the entry's `match` list that was found. */
  phrase: z.string(),
  /** Character offsets of the mention in the written answer. */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** True when the mention sits in a negated clause ("we did not use a lock table"). */
  negated: z.boolean(),
  /**
   * True when the words are only named, not claimed: in a keyword list, in a fragment without a
   * verb, or a bare name that the talking point lists under `terms`. (Absent in attempts stored
   * before this field existed.)
   */
  named: z.boolean().default(false),
});

export const pointResultSchema = z.strictObject({
  id: idSchema,
  /**
   * hit: claimed at least once (a phrase in a sentence that asserts it, not denied); negated: only in
   * denied clauses; partial: named without a claim, or close in meaning without a phrase (never counted
   * as a hit); missed: not at all.
   */
  status: z.enum(['hit', 'negated', 'partial', 'missed']),
  mentions: z.array(matchedMentionSchema),
  /** One line saying why: which words counted and why, or why a mention did not count. */
  reason: z.string().default(''),
});

export const starPartSchema = z.strictObject({
  part: z.enum(['situation', 'task', 'action', 'result']),
  present: z.boolean(),
  /** The sentence that showed this part, if any. */
  evidence: z.string().nullable(),
});

export const starReportSchema = z.strictObject({
  parts: z.array(starPartSchema).length(4),
  /** The result names a number: a percentage, a duration, a count. */
  measurableResult: z.boolean(),
  /** The parts appear in S → T → A → R order (only judged over the parts present). */
  inOrder: z.boolean(),
  /** Sentences with "I" versus "we": interviewers score what you did. */
  firstPerson: z.strictObject({ i: z.number().int().nonnegative(), we: z.number().int().nonnegative() }),
  advice: z.array(z.string()),
});

export const lengthReportSchema = z.strictObject({
  words: z.number().int().nonnegative(),
  /** Words at a speaking pace of 140 a minute. */
  estimatedSpokenSeconds: z.number().int().nonnegative(),
  target: z.strictObject({ minWords: z.number().int(), maxWords: z.number().int() }),
  verdict: z.enum(['empty', 'short', 'ok', 'long']),
  /** Recordings only: the recording's duration against the target in seconds. */
  duration: z
    .strictObject({
      seconds: z.number().nonnegative(),
      target: z.strictObject({ minSeconds: z.number().int(), maxSeconds: z.number().int() }),
      verdict: z.enum(['short', 'ok', 'long']),
    })
    .nullable(),
  advice: z.string(),
});

export const feedbackSchema = z.strictObject({
  points: z.array(pointResultSchema),
  coverage: z.strictObject({ hit: z.number().int().nonnegative(), total: z.number().int().positive() }),
  /** Behavioural questions only. */
  star: starReportSchema.nullable(),
  length: lengthReportSchema,
  /** The self-rating the coverage suggests (null for a recording without typed notes); the learner decides. */
  suggestedRating: z.enum(selfRatings).nullable(),
  /** Whole-answer remarks, e.g. that most of it is a list of terms. */
  warnings: z.array(z.string()).default([]),
});

// --- Attempts, recordings, schedule ---------------------------------------------------------------

export const recordingSchema = z.strictObject({
  contentType: z.enum(recordingContentTypes),
  bytes: z.number().int().positive(),
  durationMs: z.number().int().nonnegative(),
  createdAt: isoDate,
  /** Where the runner serves it (same origin, token cookie). */
  url: z.string().startsWith('/api/interview/attempts/'),
});

export const createAttemptRequestSchema = z.strictObject({
  questionId: idSchema,
  mode: z.enum(practiceModes, { error: 'expected "mode" to be practice or interview' }),
  answerKind: z.enum(answerKinds, { error: 'expected "answerKind" to be text or audio' }),
  /** The written answer, or notes typed next to a recording (may be empty for a recording). */
  answerText: z
    .string()
    .max(ANSWER_MAX_CHARS, { error: `expected an answer of at most ${ANSWER_MAX_CHARS} characters` }),
  /** Time spent answering (text) or the recording's length (audio). */
  durationMs: z
    .number()
    .int()
    .nonnegative()
    .max(4 * 60 * 60 * 1000),
  /** The countdown in interview mode; null in practice mode. */
  timeLimitMs: z
    .number()
    .int()
    .positive()
    .max(60 * 60 * 1000)
    .nullable(),
  /** The browser's clock (see the note at the top of this file). */
  at: isoDate.optional(),
});

export const attemptSchema = z.strictObject({
  id: z.uuid(),
  questionId: idSchema,
  mode: z.enum(practiceModes),
  answerKind: z.enum(answerKinds),
  answerText: z.string(),
  durationMs: z.number().int().nonnegative(),
  timeLimitMs: z.number().int().positive().nullable(),
  feedback: feedbackSchema,
  rating: z.enum(selfRatings).nullable(),
  createdAt: isoDate,
  ratedAt: isoDate.nullable(),
  recording: recordingSchema.nullable(),
});

export const rateRequestSchema = z.strictObject({
  rating: z.enum(selfRatings, { error: `expected "rating" to be one of ${selfRatings.join(', ')}` }),
  at: isoDate.optional(),
});

/** One question's place in the spaced-repetition schedule (an FSRS card). */
export const reviewCardSchema = z.strictObject({
  questionId: idSchema,
  due: isoDate,
  stability: z.number().nonnegative(),
  difficulty: z.number().nonnegative(),
  scheduledDays: z.number().int().nonnegative(),
  learningSteps: z.number().int().nonnegative(),
  reps: z.number().int().nonnegative(),
  lapses: z.number().int().nonnegative(),
  state: z.enum(reviewStates),
  lastReview: isoDate.nullable(),
  lastRating: z.enum(selfRatings).nullable(),
});

export const rateResponseSchema = z.strictObject({ attempt: attemptSchema, card: reviewCardSchema });
export const scheduleResponseSchema = z.strictObject({ cards: z.array(reviewCardSchema) });
export const historyResponseSchema = z.strictObject({ attempts: z.array(attemptSchema) });

export const recordingQuerySchema = z.strictObject({
  durationMs: z.coerce
    .number({ error: 'expected "durationMs" in the query: the recording length in milliseconds' })
    .int()
    .nonnegative()
    .max(RECORDING_MAX_MS, { error: `expected a recording of at most ${RECORDING_MAX_MS / 60_000} minutes` }),
});

/** What every failing API call answers. */
export const apiErrorSchema = z.object({ error: z.string(), hint: z.string().optional() });

export type PracticeMode = (typeof practiceModes)[number];
export type AnswerKind = (typeof answerKinds)[number];
export type SelfRating = (typeof selfRatings)[number];
export type RecordingContentType = (typeof recordingContentTypes)[number];
export type MatchedMention = z.infer<typeof matchedMentionSchema>;
export type PointResult = z.infer<typeof pointResultSchema>;
export type StarReport = z.infer<typeof starReportSchema>;
export type StarPart = z.infer<typeof starPartSchema>;
export type LengthReport = z.infer<typeof lengthReportSchema>;
export type Feedback = z.infer<typeof feedbackSchema>;
export type Recording = z.infer<typeof recordingSchema>;
export type CreateAttemptRequest = z.infer<typeof createAttemptRequestSchema>;
export type Attempt = z.infer<typeof attemptSchema>;
export type RateRequest = z.infer<typeof rateRequestSchema>;
export type ReviewCard = z.infer<typeof reviewCardSchema>;
export type RateResponse = z.infer<typeof rateResponseSchema>;
