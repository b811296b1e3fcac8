/**
 * The learner's data: one SQLite file (`DOJO_HOME/dojo.sqlite`) through the built-in `node:sqlite`.
 *
 * Each store (progress, interview attempts, sessions…) owns its tables and migrates them with
 * `migrate(db, store, steps)`: step N runs once, in a transaction, and is recorded in `migrations`.
 * Migrations only ever append; a database from a newer version is refused rather than damaged.
 * WAL mode lets the CLI read while the runner writes.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export function openDatabase(dojoHome: string): DatabaseSync {
  mkdirSync(dojoHome, { recursive: true });
  const db = new DatabaseSync(path.join(dojoHome, 'dojo.sqlite'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  db.exec(
    'CREATE TABLE IF NOT EXISTS migrations (store TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (store, version))',
  );
  return db;
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
