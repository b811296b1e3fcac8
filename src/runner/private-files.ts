/**
 * The learner's data is theirs alone: folders the runner creates are 0700 and files 0600, whatever
 * the umask (a umask only removes bits, so explicit modes plus a chmod of folders that already
 * exist are enough). DOJO_HOME itself is made 0700, which also covers what older versions wrote.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function writePrivateFile(file: string, data: string | Uint8Array): void {
  writeFileSync(file, data, { mode: 0o600 });
  chmodSync(file, 0o600);
}
