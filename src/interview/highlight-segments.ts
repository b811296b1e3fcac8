/**
 * Cuts a written answer into plain and highlighted pieces for display. Mentions of different
 * talking points may overlap ("lock id" inside "force-unlock with the lock id"); each piece lists
 * every point whose mention covers it, so the page can mark it once and still name them all.
 * A mention is counted (a claim), negated (denied) or named (in a list, a fragment, or a bare name).
 */
import type { PointResult } from '../shared/interview-api.ts';

export interface Segment {
  text: string;
  /** Points with a counted (not negated) mention covering this piece. */
  hits: string[];
  /** Points with a negated mention covering this piece. */
  negated: string[];
  /** Points only named here (a keyword list, a verbless fragment, a bare name): partly covered. */
  named: string[];
}

export function highlightSegments(text: string, points: readonly PointResult[]): Segment[] {
  const cuts = new Set([0, text.length]);
  for (const p of points) {
    for (const m of p.mentions) {
      cuts.add(Math.min(m.start, text.length));
      cuts.add(Math.min(m.end, text.length));
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i] ?? 0;
    const end = sorted[i + 1] ?? start;
    if (end <= start) continue;
    const hits: string[] = [];
    const negated: string[] = [];
    const named: string[] = [];
    for (const p of points) {
      for (const m of p.mentions) {
        if (m.start <= start && m.end >= end) {
          const list = m.negated ? negated : m.named ? named : hits;
          if (!list.includes(p.id)) list.push(p.id);
        }
      }
    }
    const previous = segments.at(-1);
    if (
      previous &&
      sameIds(previous.hits, hits) &&
      sameIds(previous.negated, negated) &&
      sameIds(previous.named, named)
    ) {
      previous.text += text.slice(start, end);
    } else {
      segments.push({ text: text.slice(start, end), hits, negated, named });
    }
  }
  return segments;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
