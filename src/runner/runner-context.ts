/**
 * What route modules get from the runner: where data and labs live, and the open database.
 * Created once by `dojo start` (and by tests with a temporary DOJO_HOME).
 */
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from './dojo-database.ts';

export interface RunnerContext {
  dojoHome: string;
  labsDir: string;
  db: DatabaseSync;
}

export function createRunnerContext(dojoHome: string, labsDir: string): RunnerContext {
  return { dojoHome, labsDir, db: openDatabase(dojoHome) };
}
