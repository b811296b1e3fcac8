/**
 * Is this tab still signed in to the runner? The runner makes a new token each time it starts, so
 * a tab left open across a restart holds a cookie nobody accepts any more. A WebSocket or an
 * EventSource cannot tell that apart from a network error (the browser hides the 401), so the page
 * asks an authenticated endpoint once before retrying, and stops retrying when it answers 401:
 * nothing in that tab can work until the learner opens the URL the runner printed.
 */

export type RunnerReach = 'signed-in' | 'signed-out' | 'offline';

/** Fired on `document` once a component has found that the tab is signed out. */
export const SIGNED_OUT_EVENT = 'dojo:signed-out';

export const SIGNED_OUT_MESSAGE =
  'Not signed in to the runner. It makes a new token each time it starts, so a tab opened before a restart ' +
  '(or without the link it printed) cannot reach it. Open the URL the runner printed when it started ' +
  '(http://127.0.0.1:4321/?token=…) in this tab. Nothing is retried until then.';

/** Asks `path` (any authenticated GET that is cheap, e.g. the lab's session status). */
export async function probeRunner(path: string): Promise<RunnerReach> {
  try {
    const res = await fetch(path, { cache: 'no-store' });
    return res.status === 401 ? 'signed-out' : 'signed-in';
  } catch {
    return 'offline';
  }
}

let announced = false;

/** Tells the rest of the page (banner, buttons) once; later calls do nothing. */
export function announceSignedOut(): void {
  if (announced) return;
  announced = true;
  document.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT));
}
