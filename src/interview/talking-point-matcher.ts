/**
 * Which talking points a written answer covers, computed locally (no network, no language model).
 *
 * For each talking point, each phrase in its `match` list is looked for in the answer:
 * 1. both are split into words (punctuation inside terms is a word break: `force-unlock` = `force unlock`),
 *    lower-cased, stemmed (Porter: locking → lock), with irregular past forms and British spellings folded;
 * 2. synonyms are rewritten to one canonical form on both sides (PR = pull request, k8s = kubernetes);
 * 3. the phrase's words must appear in order inside one clause, at most two words apart
 *    ("ran a plan" matches "run plan"; articles do not count);
 * 4. a mention in a negated clause is recorded but does not count (see ./talking-point-matcher/negation.ts).
 * A point is hit when any phrase has a mention that is not negated.
 */
import type { MatchedMention, PointResult } from '../shared/interview-api.ts';
import type { TalkingPoint } from '../shared/interview-entry.ts';
import { answerTokens, type AnswerToken } from './talking-point-matcher/answer-tokens.ts';
import { isNegated } from './talking-point-matcher/negation.ts';
import { canonicalPhrase, canonicalTokens } from './talking-point-matcher/synonyms.ts';

/** At most this many words may stand between two words of a phrase. */
const MAX_GAP = 2;

interface Occurrence {
  first: number;
  last: number;
  used: Set<number>;
}

function occurrences(tokens: readonly AnswerToken[], phrase: readonly string[]): Occurrence[] {
  const found: Occurrence[] = [];
  if (phrase.length === 0) return found;
  for (let i = 0; i < tokens.length; i++) {
    const head = tokens[i];
    if (!head || head.article || head.norm !== phrase[0]) continue;
    const used = new Set([i]);
    let position = i;
    let complete = true;
    for (let m = 1; m < phrase.length; m++) {
      let gap = 0;
      let next = -1;
      for (let q = position + 1; q < tokens.length; q++) {
        const t = tokens[q];
        if (!t || t.clause !== head.clause) break;
        if (t.article) continue;
        if (t.norm === phrase[m]) {
          next = q;
          break;
        }
        if (++gap > MAX_GAP) break;
      }
      if (next < 0) {
        complete = false;
        break;
      }
      used.add(next);
      position = next;
    }
    if (complete) found.push({ first: i, last: position, used });
  }
  return found;
}

/** The result for every talking point, in the entry's order. */
export function matchTalkingPoints(answer: string, points: readonly TalkingPoint[]): PointResult[] {
  const tokens = canonicalTokens(answerTokens(answer));
  return points.map((point) => {
    const mentions = new Map<string, MatchedMention>();
    for (const phrase of point.match) {
      for (const occ of occurrences(tokens, canonicalPhrase(phrase))) {
        const start = tokens[occ.first]?.start ?? 0;
        const end = tokens[occ.last]?.end ?? start;
        const negated = isNegated(tokens, occ.first, occ.last, occ.used);
        const key = `${start}:${end}`;
        const seen = mentions.get(key);
        // The same words matched by two phrases: a non-negated reading wins.
        if (!seen || (seen.negated && !negated)) mentions.set(key, { phrase, start, end, negated });
      }
    }
    const list = [...mentions.values()].sort((a, b) => a.start - b.start || b.end - a.end);
    const status = list.some((m) => !m.negated) ? 'hit' : list.length > 0 ? 'negated' : 'missed';
    return { id: point.id, status, mentions: list };
  });
}
