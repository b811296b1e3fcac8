/**
 * Is a mention negated? "We did not use a lock table" names the lock table but says the opposite
 * of the talking point, so it must not count.
 *
 * The rule, kept simple enough to explain on the page:
 * - a negation word (not, no, never, n't, without, nor, none…) up to five words before the mention,
 *   in the same clause, negates it ("we never ran a plan", "without a lock table");
 * - so does "not"/"n't"/"never" up to two words after it ("a lock table was not used");
 * - a negation word that is part of the matched phrase itself does not ("never use -lock=false"
 *   matched as a whole is advice, not denial), and neither does "not only"/"not just".
 * Clauses end at , ; : ( ) dashes and sentence ends, and before but/however/although/because/so,
 * so "we did not panic, we used a lock table" counts.
 */
import type { AnswerToken } from './answer-tokens.ts';

const BEFORE = 5;
const AFTER = 2;
const NOT_A_DENIAL_AFTER = new Set(['only', 'just', 'merely', 'simply', 'necessarily']);
const POST_NEGATIONS = /^(not|never)$|n['’]t$/u;

function denies(tokens: readonly AnswerToken[], index: number): boolean {
  const t = tokens[index];
  if (!t?.negation) return false;
  const next = tokens[index + 1];
  return !(next && next.clause === t.clause && NOT_A_DENIAL_AFTER.has(next.word));
}

/**
 * Whether the mention made of tokens[first..last] is negated. `inPhrase` marks the token indexes
 * that the phrase itself matched (their negation words are part of the phrase).
 */
export function isNegated(
  tokens: readonly AnswerToken[],
  first: number,
  last: number,
  inPhrase: ReadonlySet<number>,
): boolean {
  const clause = tokens[first]?.clause;
  // Negation words in the gaps between the phrase's words ("use no lock table").
  for (let i = first; i <= last; i++) if (!inPhrase.has(i) && denies(tokens, i)) return true;
  let seen = 0;
  for (let i = first - 1; i >= 0 && seen < BEFORE; i--) {
    const t = tokens[i];
    if (!t || t.clause !== clause) break;
    if (t.article) continue;
    if (denies(tokens, i)) return true;
    seen++;
  }
  seen = 0;
  for (let i = last + 1; i < tokens.length && seen < AFTER; i++) {
    const t = tokens[i];
    if (!t || t.clause !== clause) break;
    if (t.article) continue;
    if (POST_NEGATIONS.test(t.word)) return true;
    seen++;
  }
  return false;
}
