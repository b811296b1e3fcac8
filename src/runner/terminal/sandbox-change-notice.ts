/**
 * What a learner's open shell is told when the lab's sandbox started again with other values than
 * the shell has: a shell's environment cannot change under it, so it keeps pointing at the old
 * emulator or the old `$TF` until the learner types `exit` (the page then starts a new shell).
 */

/** Names of the sandbox variables whose value differs (or appeared, or went away), sorted. */
export function changedVariables(had: Record<string, string>, now: Record<string, string>): string[] {
  const names = new Set([...Object.keys(had), ...Object.keys(now)]);
  return [...names].filter((k) => had[k] !== now[k]).sort();
}

export function sandboxChangedNotice(
  had: Record<string, string>,
  now: Record<string, string>,
  changed: string[],
): string {
  const fix = 'Type exit for a shell with the new environment.';
  if (changed.includes('TF')) {
    const flavour = now['DOJO_TERRAFORM'] ?? 'another binary';
    return `$TF changed: new shells run ${flavour} (${now['TF'] ?? 'none'}), this shell still runs ${had['TF'] ?? 'none'}. ${fix}`;
  }
  return `The sandbox restarted with new values for ${changed.join(', ')}; this shell still has the old ones. ${fix}`;
}
