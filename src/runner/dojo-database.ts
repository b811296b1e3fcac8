/**
 * The learner's data: one SQLite file (`DOJO_HOME/dojo.sqlite`) through the built-in `node:sqlite`.
 *
 * Each store (progress, interview attempts, sessions…) owns its tables and migrates them with
 * `migrate(db, store, steps)`: step N runs once, in a transaction, and is recorded in `migrations`.
 * Migrations only ever append; a database from a newer version is refused rather than damaged.
 * WAL mode lets the CLI read while the runner writes.
 *
 * The file and its -wal/-shm companions are 0600 and DOJO_HOME is 0700, whatever the umask: the
 * database holds the learner's answers. A file that is not a database, or a damaged one, is
 * refused at open with the file, what was found and the fix (move it aside); it is never replaced.
 */
import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ensurePrivateDir } from './private-files.ts';

export const DATABASE_FILE = 'dojo.sqlite';

/** The database cannot be used: `message` names the file, what was found and the fix. */
export class DatabaseOpenError extends Error {
  readonly file: string;
  constructor(file: string, found: string) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    super(
      `expected ${file} to be GitOps Dojo's SQLite database, found ${found}. ` +
        `Fix: move it aside (it is your backup) and start again; a new, empty database is created there ` +
        `(progress and interview history start over, workspaces are kept):\n` +
        `  mv "${file}" "${file}.broken-${stamp}"` +
        (existsSync(`${file}-wal`) ? ` && mv "${file}-wal" "${file}-wal.broken-${stamp}"` : '') +
        (existsSync(`${file}-shm`) ? ` && rm -f "${file}-shm"` : ''),
    );
    this.name = 'DatabaseOpenError';
    this.file = file;
  }
}

function restrict(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    // not created (yet): SQLite creates -wal/-shm with the main file's mode
  }
}

export function openDatabase(dojoHome: string): DatabaseSync {
  ensurePrivateDir(dojoHome);
  const file = path.join(dojoHome, DATABASE_FILE);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    restrict(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 1000;');
    for (const companion of ['-wal', '-shm']) restrict(`${file}${companion}`);
    // A damaged page shows up here at start, not as a 500 in the middle of a lab.
    const check = db.prepare('PRAGMA quick_check(1)').get() as Record<string, unknown> | undefined;
    const verdict = String(Object.values(check ?? {})[0] ?? 'no answer');
    if (verdict !== 'ok') throw new Error(`damage reported by SQLite's quick_check: ${verdict}`);
    db.exec(
      'CREATE TABLE IF NOT EXISTS migrations (store TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (store, version))',
    );
    return db;
  } catch (err) {
    db?.close();
    const message = (err as Error).message;
    if (/not a database|malformed|damage|corrupt|SQLITE_CORRUPT|SQLITE_NOTADB/i.test(message)) {
      throw new DatabaseOpenError(file, `a file SQLite cannot read as a database (${message})`);
    }
    throw err;
  }
}

/** Whether `err` is SQLite saying another connection holds the lock (after busy_timeout). */
export function isBusy(err: unknown): boolean {
  return /database is locked|SQLITE_BUSY|database table is locked/i.test((err as Error)?.message ?? '');
}

/**
 * Runs a write, retrying while another process holds the database's write lock (a `dojo lab` CLI
 * run, a backup tool). node:sqlite is synchronous, so each try blocks the event loop for at most
 * busy_timeout (1 s); between tries the runner waits without blocking (0.5, 1, 2, 4 s), then throws.
 */
export async function retryWhileBusy<T>(write: () => T, what: string, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return write();
    } catch (err) {
      if (!isBusy(err) || attempt >= tries) throw err;
      console.error(
        `[dojo] ${what}: the database is locked by another process; trying again (${attempt}/${tries - 1})`,
      );
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/** Applies the migration steps of one store that have not run yet. Step i has version i + 1. */
export function migrate(db: DatabaseSync, store: string, steps: string[]): void {
  const row = db.prepare('SELECT MAX(version) AS v FROM migrations WHERE store = ?').get(store) as
    { v: number | null } | undefined;
  const current = row?.v ?? 0;
  if (current > steps.length) {
    throw new Error(
      `the ${store} data in this DOJO_HOME is from a newer GitOps Dojo (schema ${current}, this one knows ${steps.length}). Fix: update GitOps Dojo, or point DOJO_HOME at another folder.`,
    );
  }
  for (let version = current + 1; version <= steps.length; version++) {
    db.exec('BEGIN');
    try {
      db.exec(steps[version - 1] ?? '');
      db.prepare('INSERT INTO migrations (store, version, applied_at) VALUES (?, ?, ?)').run(
        store,
        version,
        new Date().toISOString(),
      );
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}
