/**
 * "Did you mean …?" for mistyped names (check kinds, fields, step ids, sandboxes, files): the
 * candidate with the smallest edit distance, when it is close enough to be a plausible typo.
 */

/** Edit distance, two rows at a time (typed arrays: no undefined holes). */
export function editDistance(a: string, b: string): number {
  let prev = Uint16Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Uint16Array(b.length + 1);
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The nearest candidate (case-insensitive), or undefined when none is within a typo's reach. */
export function closestName(input: string, candidates: Iterable<string>): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = editDistance(input.toLowerCase(), name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d > 0 && best.d <= Math.max(3, Math.floor(input.length / 3)) ? best.name : undefined;
}

/** ` Did you mean "x"?` or an empty string, to append to a sentence. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const near = closestName(input, candidates);
  return near === undefined ? '' : ` Did you mean "${near}"?`;
}
