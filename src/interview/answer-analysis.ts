/**
 * Reads a written answer the way an interviewer listens to it, before any talking point is matched:
 *
 * - words, with character offsets (for highlighting), a normalised form for matching, and the part of
 *   speech and lemma wink-nlp gives them (./answer-analysis/part-of-speech.ts);
 * - clauses: a clause ends at a sentence end, ; : ( ) or a dash, before but/because/so/before/until…,
 *   and at a comma or an "and" that opens a new subject and verb ("we did not panic, we used a lock
 *   table"); a list of nouns after a comma stays in its clause ("with checkov, tfsec or trivy");
 * - denials: a negation (not, n't, never, no, nothing, nor…) covers its whole clause, including every
 *   item of a coordinated list and what a "that"/"whether" clause after it says; "without", "instead
 *   of", "rather than" and "forgot to" cover what follows them (./answer-analysis/negation-scope.ts);
 * - sentences that assert nothing: keyword lists ("lock, DynamoDB, CI, timeout, retry") and fragments
 *   without a verb. Mentions there are shown as named, never as claims.
 *
 * The analysis is computed once per answer and shared by the talking-point matcher and the STAR check.
 */
import { clauseStarts, negationScopes } from './answer-analysis/negation-scope.ts';
import { sentenceKinds } from './answer-analysis/sentence-kind.ts';
import { loadTagger, tagsFor, type Tagger } from './answer-analysis/part-of-speech.ts';
import { answerTokens, normalizeWord, type AnswerToken } from './talking-point-matcher/answer-tokens.ts';
import { markIdioms } from './talking-point-matcher/idioms.ts';
import { canonicalTokens } from './talking-point-matcher/synonyms.ts';

export interface AnalysedWord extends AnswerToken {
  /** Universal part of speech from wink-nlp (X when unknown). */
  pos: string;
  /** The lemma as wink-nlp gives it (the word itself when wink split the word differently). */
  lemma: string;
  /** The normalised lemma: "ran" and "changes" meet "run" and "change" whatever the stemmer does. */
  lemmaNorm: string;
  /** Index of the clause (negation scope) the word is in. */
  clause: number;
  /** Indexes of the negation cues whose scope covers this word (empty: asserted). */
  deniedBy: number[];
  /** Norms an idiom makes this word say too ("check it in": `commit`; ./talking-point-matcher/idioms.ts). */
  aliases?: string[];
  /**
   * In a fronted contrast ("Unlike CloudFormation, nothing rolls back on its own"): what the main clause
   * denies, the contrast asserts of what it names.
   */
  contrast?: boolean;
}

export interface AnalysedSentence {
  start: number;
  end: number;
  text: string;
  /** Word indexes, inclusive. */
  first: number;
  last: number;
  /** A keyword list: terms one after another, no claim made. */
  list: boolean;
  /** No verb at all ("The short version: one writer at a time."). */
  fragment: boolean;
  /** Every verb of the sentence is denied ("We did not run a plan.", "We fixed nothing."). */
  denied: boolean;
}

export interface AnswerAnalysis {
  text: string;
  words: AnalysedWord[];
  sentences: AnalysedSentence[];
  /** Share of the answer's words that sit in keyword lists. */
  listShare: number;
}

export interface AnswerAnalyzer {
  analyze(text: string): AnswerAnalysis;
}

const VERBS = new Set(['VERB', 'AUX']);

/** A pronoun or noun with a contracted verb ("it's", "we've", "I'd"; not a possessive "team's"). */
const CONTRACTED_VERB = /^(?:i|we|you|they|he|she|it|that|there|what|who|here|where)['’](?:s|re|ve|ll|d|m)$/u;

/** Words that open a fronted adverbial phrase: "Before plan and apply, Terraform takes the lock". */
const FRONTING = new Set(['before', 'after', 'during', 'when', 'while', 'once', 'in', 'on', 'at', 'for', 'with', 'since', 'if', 'unlike']);

/**
 * A short phrase that opens a sentence with a preposition and ends at a comma belongs to the clause
 * after it: give it that segment, so a phrase can match across the comma ("before … acquire the lock").
 */
function joinFrontedPhrases(text: string, words: AnalysedWord[]): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w || (i > 0 && w.breakBefore !== 'sentence') || !FRONTING.has(w.word)) continue;
    let j = i;
    while (j + 1 < words.length && words[j + 1]?.segment === w.segment) j++;
    const next = words[j + 1];
    // "Before plan and apply, Terraform…"; "On the PR: fmt, validate and plan" (a label before a colon).
    // A label has no subject and no auxiliary: "On merge: apply" joins, "On top I run conftest rules:
    // no latest tags" does not.
    const label = words.slice(i, j + 1).every((x) => x.pos !== 'AUX' && x.pos !== 'PRON');
    const colon =
      label && next?.breakBefore === 'strong' && /^\s*:/u.test(text.slice(words[j]?.end ?? 0, next.start));
    if (!next || (next.breakBefore !== 'comma' && !colon) || j - i >= 8) continue;
    for (let k = i; k <= j; k++) {
      const x = words[k];
      if (x) x.segment = next.segment;
      if (x && w.word === 'unlike') x.contrast = true;
    }
    i = j;
  }
}

function analyzeWith(tag: Tagger, text: string): AnswerAnalysis {
  const raw = answerTokens(text);
  const tags = tagsFor(raw, tag(text));
  const tagged = raw.map((t, i) => {
    const w = tags[i];
    const exact = w && w.start === t.start && w.end === t.end;
    return {
      ...t,
      pos: w?.pos ?? 'X',
      lemma: exact ? w.lemma : t.word,
      lemmaNorm: exact && w.lemma !== t.word ? normalizeWord(w.lemma) : t.norm,
      clause: 0,
      deniedBy: [] as number[],
    };
  });
  // "it's", "we're", "I'd": wink splits off the verb, which the word (one token here) must keep.
  tagged.forEach((t, i) => {
    if (CONTRACTED_VERB.test(t.word) && tags[i]?.pos !== 'VERB') t.pos = 'AUX';
  });
  const words = canonicalTokens(tagged) as AnalysedWord[];
  markIdioms(words);
  joinFrontedPhrases(text, words);
  const starts = clauseStarts(words);
  let clause = -1;
  words.forEach((w, i) => {
    if (starts[i]) clause++;
    w.clause = Math.max(0, clause);
  });
  negationScopes(words, starts).forEach((covered, i) => {
    const w = words[i];
    if (w) w.deniedBy = covered;
  });
  const kinds = sentenceKinds(text, words);
  const sentences: AnalysedSentence[] = [];
  let i = 0;
  while (i < words.length) {
    const first = words[i];
    if (!first) break;
    let j = i;
    while (j + 1 < words.length && words[j + 1]?.sentence === first.sentence) j++;
    const last = words[j] ?? first;
    const tail = /^[.!?"'’”)]*/u.exec(text.slice(last.end))?.[0] ?? '';
    const end = last.end + tail.length;
    const kind = kinds.get(first.sentence) ?? { list: false, note: false, chunks: 0 };
    const here = words.slice(i, j + 1);
    // wink tags some third-person verbs after a noun as plural nouns ("Neither option rolls back"),
    // and after a name when an object follows ("Argo CD polls Git on an interval").
    const verb =
      here.find((w) => VERBS.has(w.pos)) ??
      here.find(
        (w, k) =>
          k > 0 &&
          w.pos === 'NOUN' &&
          /[^s]s$/u.test(w.word) &&
          (/NOUN|PRON/u.test(here[k - 1]?.pos ?? '') ||
            (here[k - 1]?.pos === 'PROPN' && /^(?:DET|ADP|PROPN|PRON)$/u.test(here[k + 1]?.pos ?? ''))),
      ) ??
      // …and some past tenses after a name or noun ("OpenTofu forked from 1.5", "Argo CD forked the repo").
      here.find(
        (w, k) =>
          k > 0 &&
          (w.pos === 'NOUN' || w.pos === 'ADJ') &&
          /[^e]ed$/u.test(w.word) &&
          /^(?:NOUN|PROPN|PRON)$/u.test(here[k - 1]?.pos ?? '') &&
          /^(?:DET|ADP|NUM|PRON|PROPN)$/u.test(here[k + 1]?.pos ?? ''),
      );
    sentences.push({
      start: first.start,
      end,
      text: text.slice(first.start, end).replace(/\s+/gu, ' '),
      first: i,
      last: j,
      list: kind.list,
      // One or two words ("- use_lockfile", "lock-timeout.") claim nothing, whatever their tags, and
      // neither do notes of up to four words without a single function word ("read lock info.").
      fragment: !verb || (kinds.get(first.sentence)?.chunks ?? 0) <= 2 || kinds.get(first.sentence)?.note === true,
      denied: verb !== undefined && here.every((w) => !VERBS.has(w.pos) || w.deniedBy.length > 0),
    });
    i = j + 1;
  }
  let listed = 0;
  let total = 0;
  for (const s of sentences) {
    const n = kinds.get(words[s.first]?.sentence ?? -1)?.chunks ?? 0;
    total += n;
    if (s.list) listed += n;
  }
  return { text, words, sentences, listShare: total === 0 ? 0 : listed / total };
}

/** Loads the language model (once) and returns an analyzer; later calls are synchronous and fast. */
export async function loadAnswerAnalyzer(): Promise<AnswerAnalyzer> {
  const tag = await loadTagger();
  // The same answer is analysed for every question it is scored against (bank tests, the runner
  // storing feedback the page already showed): keep the last few analyses.
  const recent = new Map<string, AnswerAnalysis>();
  return {
    analyze(text: string): AnswerAnalysis {
      const hit = recent.get(text);
      if (hit) return hit;
      const analysis = analyzeWith(tag, text);
      recent.set(text, analysis);
      if (recent.size > 64) recent.delete(recent.keys().next().value ?? '');
      return analysis;
    },
  };
}
