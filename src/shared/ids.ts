/**
 * Identifiers and the "expected …, found …" error message helper. Dependency-free (zod only) so
 * browser code can import it; src/labs/lab-manifest.ts pulls in the check registry, which is Node-only.
 */
import { z } from 'zod';

const kebab = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** An error message that says what was expected and what was found. */
export function expected(what: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `${what} (found nothing)` : `${what}, found ${JSON.stringify(issue.input)}`;
}

/** A kebab-case identifier, e.g. `remote-backend`. */
export const idSchema = z
  .string({ error: expected('expected a kebab-case id string, e.g. "remote-backend"') })
  .regex(kebab, {
    error: expected('expected a kebab-case id (lower-case letters, digits and dashes), e.g. "remote-backend"'),
  });
