/**
 * Interview practice data in the learner's SQLite database, plus recordings on disk.
 *
 * What it stores:
 * - `interview_attempts`: one row per answer (text, mode, duration, the feedback computed when it
 *   was saved, and the self-rating once given). Feedback is kept as JSON so history shows what the
 *   learner saw then, even after the bank's talking points change.
 * - `interview_cards`: one FSRS card per question that has been rated (the review schedule).
 * - `interview_recordings`: metadata of an attempt's audio; the audio itself is a file
 *   `DOJO_HOME/recordings/<attempt id>.<ext>`, written to a temporary name and renamed into place,
 *   so a crash never leaves half a recording under a real name.
 *
 * Lifecycle: created per runner with the shared database; tables are created and migrated by
 * `migrate(db, 'interview', steps)` (append-only steps). Deleting an attempt deletes its recording
 * row (foreign key cascade) and file; the schedule keeps the review it already counted.
 */
import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import {
  attemptSchema,
  feedbackSchema,
  recordingContentTypes,
  reviewCardSchema,
  type Attempt,
  type Feedback,
  type PracticeMode,
  type AnswerKind,
  type Recording,
  type RecordingContentType,
  type ReviewCard,
  type SelfRating,
} from '../shared/interview-api.ts';
import { migrate } from './dojo-database.ts';
import { ensurePrivateDir } from './private-files.ts';

const MIGRATIONS = [
  `CREATE TABLE interview_attempts (
     id TEXT PRIMARY KEY,
     question_id TEXT NOT NULL,
     mode TEXT NOT NULL CHECK (mode IN ('practice', 'interview')),
     answer_kind TEXT NOT NULL CHECK (answer_kind IN ('text', 'audio')),
     answer_text TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     time_limit_ms INTEGER,
     feedback_json TEXT NOT NULL,
     rating TEXT CHECK (rating IN ('again', 'hard', 'good', 'easy')),
     created_at TEXT NOT NULL,
     rated_at TEXT
   );
   CREATE INDEX interview_attempts_by_question ON interview_attempts (question_id, created_at);
   CREATE TABLE interview_cards (
     question_id TEXT PRIMARY KEY,
     due TEXT NOT NULL,
     stability REAL NOT NULL,
     difficulty REAL NOT NULL,
     scheduled_days INTEGER NOT NULL,
     learning_steps INTEGER NOT NULL,
     reps INTEGER NOT NULL,
     lapses INTEGER NOT NULL,
     state TEXT NOT NULL,
     last_review TEXT,
     last_rating TEXT
   );
   CREATE TABLE interview_recordings (
     attempt_id TEXT PRIMARY KEY REFERENCES interview_attempts (id) ON DELETE CASCADE,
     file TEXT NOT NULL,
     content_type TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     created_at TEXT NOT NULL
   );`,
];

const EXTENSIONS: Record<RecordingContentType, string> = {
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/mp4': 'm4a',
};

interface AttemptRow {
  id: string;
  question_id: string;
  mode: string;
  answer_kind: string;
  answer_text: string;
  duration_ms: number;
  time_limit_ms: number | null;
  feedback_json: string;
  rating: string | null;
  created_at: string;
  rated_at: string | null;
  rec_content_type: string | null;
  rec_bytes: number | null;
  rec_duration_ms: number | null;
  rec_created_at: string | null;
}

interface CardRow {
  question_id: string;
  due: string;
  stability: number;
  difficulty: number;
  scheduled_days: number;
  learning_steps: number;
  reps: number;
  lapses: number;
  state: string;
  last_review: string | null;
  last_rating: string | null;
}

export interface NewAttempt {
  questionId: string;
  mode: PracticeMode;
  answerKind: AnswerKind;
  answerText: string;
  durationMs: number;
  timeLimitMs: number | null;
  feedback: Feedback;
  createdAt: Date;
}

export interface RecordingFile {
  path: string;
  contentType: RecordingContentType;
  bytes: number;
}

const ATTEMPT_SELECT = `
  SELECT a.*, r.content_type AS rec_content_type, r.bytes AS rec_bytes, r.duration_ms AS rec_duration_ms,
         r.created_at AS rec_created_at
  FROM interview_attempts a LEFT JOIN interview_recordings r ON r.attempt_id = a.id`;

export function recordingUrl(attemptId: string): string {
  return `/api/interview/attempts/${attemptId}/recording`;
}

export class InterviewStore {
  readonly #db: DatabaseSync;
  readonly #recordingsDir: string;

  constructor(db: DatabaseSync, dojoHome: string) {
    this.#db = db;
    this.#recordingsDir = path.join(dojoHome, 'recordings');
    migrate(db, 'interview', MIGRATIONS);
  }

  get recordingsDir(): string {
    return this.#recordingsDir;
  }

  #toAttempt(row: AttemptRow): Attempt {
    const recording: Recording | null =
      row.rec_content_type === null
        ? null
        : {
            contentType: row.rec_content_type as RecordingContentType,
            bytes: row.rec_bytes ?? 0,
            durationMs: row.rec_duration_ms ?? 0,
            createdAt: row.rec_created_at ?? row.created_at,
            url: recordingUrl(row.id),
          };
    // Parsed on the way out: a row written by a future version, or edited by hand, fails here
    // with the field that is wrong rather than reaching the page.
    return attemptSchema.parse({
      id: row.id,
      questionId: row.question_id,
      mode: row.mode,
      answerKind: row.answer_kind,
      answerText: row.answer_text,
      durationMs: row.duration_ms,
      timeLimitMs: row.time_limit_ms,
      feedback: feedbackSchema.parse(JSON.parse(row.feedback_json)),
      rating: row.rating,
      createdAt: row.created_at,
      ratedAt: row.rated_at,
      recording,
    });
  }

  createAttempt(input: NewAttempt): Attempt {
    const id = randomUUID();
    this.#db
      .prepare(
        `INSERT INTO interview_attempts (id, question_id, mode, answer_kind, answer_text, duration_ms, time_limit_ms, feedback_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.questionId,
        input.mode,
        input.answerKind,
        input.answerText,
        input.durationMs,
        input.timeLimitMs,
        JSON.stringify(input.feedback),
        input.createdAt.toISOString(),
      );
    const created = this.attempt(id);
    if (!created) throw new Error(`attempt ${id} was inserted but cannot be read back`);
    return created;
  }

  attempt(id: string): Attempt | null {
    const row = this.#db.prepare(`${ATTEMPT_SELECT} WHERE a.id = ?`).get(id) as AttemptRow | undefined;
    return row ? this.#toAttempt(row) : null;
  }

  /** A question's attempts, newest first. */
  attempts(questionId: string): Attempt[] {
    const rows = this.#db
      .prepare(`${ATTEMPT_SELECT} WHERE a.question_id = ? ORDER BY a.created_at DESC, a.rowid DESC`)
      .all(questionId) as unknown as AttemptRow[];
    return rows.map((r) => this.#toAttempt(r));
  }

  async deleteAttempt(id: string): Promise<boolean> {
    const file = this.#recordingRow(id)?.file;
    const result = this.#db.prepare('DELETE FROM interview_attempts WHERE id = ?').run(id);
    if (file) await rm(path.join(this.#recordingsDir, file), { force: true });
    return Number(result.changes) > 0;
  }

  card(questionId: string): ReviewCard | null {
    const row = this.#db.prepare('SELECT * FROM interview_cards WHERE question_id = ?').get(questionId) as
      CardRow | undefined;
    return row ? toCard(row) : null;
  }

  cards(): ReviewCard[] {
    const rows = this.#db.prepare('SELECT * FROM interview_cards ORDER BY due').all() as unknown as CardRow[];
    return rows.map(toCard);
  }

  /**
   * Records the self-rating of an unrated attempt and the question's new card, together.
   * Returns null when the attempt was rated meanwhile (two tabs): the card is then left alone.
   */
  rateAttempt(attemptId: string, rating: SelfRating, card: ReviewCard, at: Date): Attempt | null {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const updated = this.#db
        .prepare('UPDATE interview_attempts SET rating = ?, rated_at = ? WHERE id = ? AND rating IS NULL')
        .run(rating, at.toISOString(), attemptId);
      if (Number(updated.changes) === 0) {
        this.#db.exec('ROLLBACK');
        return null;
      }
      this.#db
        .prepare(
          `INSERT INTO interview_cards (question_id, due, stability, difficulty, scheduled_days, learning_steps, reps, lapses, state, last_review, last_rating)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (question_id) DO UPDATE SET due = excluded.due, stability = excluded.stability,
             difficulty = excluded.difficulty, scheduled_days = excluded.scheduled_days,
             learning_steps = excluded.learning_steps, reps = excluded.reps, lapses = excluded.lapses,
             state = excluded.state, last_review = excluded.last_review, last_rating = excluded.last_rating`,
        )
        .run(
          card.questionId,
          card.due,
          card.stability,
          card.difficulty,
          card.scheduledDays,
          card.learningSteps,
          card.reps,
          card.lapses,
          card.state,
          card.lastReview,
          card.lastRating,
        );
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
    return this.attempt(attemptId);
  }

  #recordingRow(attemptId: string): { file: string; content_type: string; bytes: number } | undefined {
    return this.#db
      .prepare('SELECT file, content_type, bytes FROM interview_recordings WHERE attempt_id = ?')
      .get(attemptId) as { file: string; content_type: string; bytes: number } | undefined;
  }

  /**
   * A private temporary file in the recordings folder for an upload being streamed to disk; pass
   * it to `saveRecording` (which moves it into place) or remove it.
   */
  temporaryRecordingFile(attemptId: string): string {
    ensurePrivateDir(this.#recordingsDir);
    return path.join(this.#recordingsDir, `.${attemptId}.${randomUUID()}.part`);
  }

  /**
   * Stores (or replaces) an attempt's recording: `audio` is the bytes, or a file from
   * `temporaryRecordingFile` holding `bytes` bytes. The caller has checked type, size and content.
   */
  async saveRecording(
    attemptId: string,
    audio: Buffer | { temporaryFile: string; bytes: number },
    contentType: RecordingContentType,
    durationMs: number,
    at: Date,
  ): Promise<Recording> {
    const file = `${attemptId}.${EXTENSIONS[contentType]}`;
    let temporary: string;
    let bytes: number;
    if (Buffer.isBuffer(audio)) {
      temporary = this.temporaryRecordingFile(attemptId);
      await writeFile(temporary, audio, { mode: 0o600 });
      bytes = audio.length;
    } else {
      temporary = audio.temporaryFile;
      bytes = audio.bytes;
    }
    const previous = this.#recordingRow(attemptId)?.file;
    try {
      await rename(temporary, path.join(this.#recordingsDir, file));
      this.#db
        .prepare(
          `INSERT INTO interview_recordings (attempt_id, file, content_type, bytes, duration_ms, created_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (attempt_id) DO UPDATE SET file = excluded.file, content_type = excluded.content_type,
             bytes = excluded.bytes, duration_ms = excluded.duration_ms, created_at = excluded.created_at`,
        )
        .run(attemptId, file, contentType, bytes, durationMs, at.toISOString());
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    // A replaced recording of another type had another extension.
    if (previous && previous !== file) await rm(path.join(this.#recordingsDir, previous), { force: true });
    return { contentType, bytes, durationMs, createdAt: at.toISOString(), url: recordingUrl(attemptId) };
  }

  recordingFile(attemptId: string): RecordingFile | null {
    const row = this.#recordingRow(attemptId);
    if (!row) return null;
    const contentType = recordingContentTypes.find((t) => t === row.content_type);
    if (!contentType) throw new Error(`recording of ${attemptId} has unknown content type ${row.content_type}`);
    return { path: path.join(this.#recordingsDir, row.file), contentType, bytes: row.bytes };
  }

  async deleteRecording(attemptId: string): Promise<boolean> {
    const row = this.#recordingRow(attemptId);
    if (!row) return false;
    this.#db.prepare('DELETE FROM interview_recordings WHERE attempt_id = ?').run(attemptId);
    await rm(path.join(this.#recordingsDir, row.file), { force: true });
    return true;
  }
}

function toCard(row: CardRow): ReviewCard {
  return reviewCardSchema.parse({
    questionId: row.question_id,
    due: row.due,
    stability: row.stability,
    difficulty: row.difficulty,
    scheduledDays: row.scheduled_days,
    learningSteps: row.learning_steps,
    reps: row.reps,
    lapses: row.lapses,
    state: row.state,
    lastReview: row.last_review,
    lastRating: row.last_rating,
  });
}
