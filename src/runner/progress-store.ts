/**
 * Lab progress in the learner's SQLite database (see dojo-database.ts for the migration model).
 *
 * step_progress: one row per (lab, step): best status ever (a pass is kept when a later re-check
 * fails; the last result is stored separately), hint ladder position, solution revealed/applied.
 * check_attempts: every check run, for history and statistics. Results are stored as JSON text;
 * they hold only what the learner saw, never state contents.
 */
import type { DatabaseSync } from 'node:sqlite';
import { migrate } from './dojo-database.ts';
import { stepResultSchema, type StepResult } from '../shared/check-result.ts';
import type { StepProgress } from '../shared/lab-api.ts';

const MIGRATIONS = [
  `CREATE TABLE step_progress (
     lab TEXT NOT NULL,
     step TEXT NOT NULL,
     passed_at TEXT,
     last_status TEXT,
     last_result TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     hints_revealed INTEGER NOT NULL DEFAULT 0,
     solution_revealed INTEGER NOT NULL DEFAULT 0,
     solution_applied INTEGER NOT NULL DEFAULT 0,
     setup_done INTEGER NOT NULL DEFAULT 0,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (lab, step)
   );
   CREATE TABLE check_attempts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     lab TEXT NOT NULL,
     step TEXT NOT NULL,
     status TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     at TEXT NOT NULL
   );`,
  // When a step last passed a check. passed_at keeps the first pass (progress is never taken back);
  // this one tells whether a pass was proven again after the sandbox restarted empty.
  `ALTER TABLE step_progress ADD COLUMN last_passed_at TEXT;
   UPDATE step_progress SET last_passed_at = passed_at;`,
];

interface Row {
  step: string;
  passed_at: string | null;
  last_passed_at: string | null;
  last_status: string | null;
  last_result: string | null;
  attempts: number;
  hints_revealed: number;
  solution_revealed: number;
  solution_applied: number;
  setup_done: number;
}

export class ProgressStore {
  private readonly db: DatabaseSync;
  private readonly now: () => Date;

  constructor(db: DatabaseSync, now: () => Date = () => new Date()) {
    this.db = db;
    this.now = now;
    migrate(db, 'progress', MIGRATIONS);
  }

  private touch(lab: string, step: string): void {
    this.db
      .prepare('INSERT INTO step_progress (lab, step, updated_at) VALUES (?, ?, ?) ON CONFLICT (lab, step) DO NOTHING')
      .run(lab, step, this.now().toISOString());
  }

  recordCheck(result: StepResult): void {
    const at = this.now().toISOString();
    this.touch(result.lab, result.step);
    this.db
      .prepare(
        `UPDATE step_progress SET last_status = ?, last_result = ?, attempts = attempts + 1, updated_at = ?,
           passed_at = CASE WHEN passed_at IS NULL AND ? = 'pass' THEN ? ELSE passed_at END,
           last_passed_at = CASE WHEN ? = 'pass' THEN ? ELSE last_passed_at END
         WHERE lab = ? AND step = ?`,
      )
      .run(result.status, JSON.stringify(result), at, result.status, at, result.status, at, result.lab, result.step);
    this.db
      .prepare('INSERT INTO check_attempts (lab, step, status, duration_ms, at) VALUES (?, ?, ?, ?, ?)')
      .run(result.lab, result.step, result.status, result.durationMs, at);
  }

  /** Moves the hint ladder one rung (up to `total`) and returns how many are revealed. */
  revealHint(lab: string, step: string, total: number): number {
    this.touch(lab, step);
    this.db
      .prepare(
        'UPDATE step_progress SET hints_revealed = MIN(hints_revealed + 1, ?), updated_at = ? WHERE lab = ? AND step = ?',
      )
      .run(total, this.now().toISOString(), lab, step);
    return this.get(lab, step).hintsRevealed;
  }

  mark(lab: string, step: string, what: 'solution_revealed' | 'solution_applied' | 'setup_done', value = true): void {
    this.touch(lab, step);
    // `what` is one of three literal column names, never user input.
    this.db
      .prepare(`UPDATE step_progress SET ${what} = ?, updated_at = ? WHERE lab = ? AND step = ?`)
      .run(value ? 1 : 0, this.now().toISOString(), lab, step);
  }

  /** Forgets a step's progress (reset): attempts history is kept. */
  clear(lab: string, step: string): void {
    this.db.prepare('DELETE FROM step_progress WHERE lab = ? AND step = ?').run(lab, step);
  }

  get(lab: string, step: string): StepProgress {
    const row = this.db.prepare('SELECT * FROM step_progress WHERE lab = ? AND step = ?').get(lab, step) as
      Row | undefined;
    return toProgress(step, row);
  }

  forLab(lab: string, steps: string[]): StepProgress[] {
    const rows = this.db.prepare('SELECT * FROM step_progress WHERE lab = ?').all(lab) as unknown as Row[];
    const byStep = new Map(rows.map((r) => [r.step, r]));
    return steps.map((s) => toProgress(s, byStep.get(s)));
  }
}

function toProgress(step: string, row: Row | undefined): StepProgress {
  if (!row) {
    return {
      step,
      status: 'not-started',
      passedAt: null,
      lastPassedAt: null,
      attempts: 0,
      hintsRevealed: 0,
      solutionRevealed: false,
      solutionApplied: false,
      setupDone: false,
      lastResult: null,
    };
  }
  const parsed = row.last_result ? stepResultSchema.safeParse(JSON.parse(row.last_result)) : null;
  const last = row.last_status as StepProgress['status'] | null;
  return {
    step,
    status: row.passed_at ? 'pass' : (last ?? 'not-started'),
    passedAt: row.passed_at,
    lastPassedAt: row.last_passed_at,
    attempts: row.attempts,
    hintsRevealed: row.hints_revealed,
    solutionRevealed: row.solution_revealed === 1,
    solutionApplied: row.solution_applied === 1,
    setupDone: row.setup_done === 1,
    lastResult: parsed?.success ? parsed.data : null,
  };
}
