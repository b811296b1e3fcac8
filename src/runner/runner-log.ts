/**
 * What the runner prints on its own terminal when something fails that the learner did not cause:
 * a 500, a background re-check that could not be saved. Always printed (not behind DEBUG): a 500
 * whose log is empty cannot be diagnosed. Never prints query strings (a launch URL carries the token).
 */
export function logRunnerError(what: string, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(`[dojo ${new Date().toISOString()}] ${what}: ${detail}`);
}

/** The path of a request URL without its query string. */
export function pathOnly(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}
