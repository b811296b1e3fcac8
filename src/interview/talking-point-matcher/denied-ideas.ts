/**
 * Denials worded without any phrase of the point they deny: "we didn't revert" (the phrases want
 * "git revert" or "revert the commit"), "our policies don't block deletes yet", "we never found out
 * why the lock was left". The phrases cannot list every way of saying no, but the idea is plain from
 * the words under the denial: they belong to one talking point of the question more than to any other.
 *
 * For each denial cue, the content words it covers are compared with each point's own words (its
 * description, its `point` text, the words of its phrases and its terms). A word shared by several
 * points of the question says less than a word only one point uses, so each matching word weighs
 * 1 / (number of points that use it). The clause denies the point whose weight is highest, when
 * - that weight is at least 1 (one word of its own, or several shared ones),
 * - no other point comes close (a tie names no point),
 * - and at least two of its words are there, or the one word there is its own and stands both in its
 *   description and in its phrases ("revert" for a point described as "mitigated with a git revert").
 *
 * The question's own words weigh less, as if two more points used them (they name the topic: in
 * "Why Argo CD rather than kubectl apply?", "kubectl apply does neither" denies no one point), and
 * negations already read as denying a phrase of some point are left alone: that denial is explained.
 *
 * Only words inside a denial's scope are looked at, so an asserted sentence can never be read as a
 * denial here; and a denial earns nothing, so this only changes a "missed" (or "partly covered")
 * verdict into "you denied this", which is what the learner said.
 */
import type { AnalysedWord, AnswerAnalysis } from '../answer-analysis.ts';
import { answerTokens, normalizeWord } from './answer-tokens.ts';
import { canonicalPhrase } from './synonyms.ts';

/** What this module needs of a talking point. */
export interface IdeaPoint {
  id: string;
  point: string;
  match: readonly string[];
  description?: string;
  terms?: readonly string[];
}

/** A clause that denies a point without one of its phrases. */
export interface DeniedIdea {
  /** The negation word. */
  cue: AnalysedWord;
  /** The denied words that are the point's own, in answer order. */
  words: AnalysedWord[];
  /** Character span of the denied clause, for the reason line. */
  start: number;
  end: number;
  /**
   * Whether it tells what the speaker's side did not do or have (narratedDenial). Only such a
   * clause is read as denying the point; any may still state a point that is itself a denial.
   */
  narrated: boolean;
}

const STOP_WORDS =
  'a an the and or of to in on for with by at as is are was were be been being it its this that these those from into can could would should will shall may might must do does did done so not no than then when which who whom whose what how why where each every any all some one per use used using their them they we our us you your he she his her i me my mine also just only still even really very much more most out up down off over about after before again here there now yet get got make made thing things way want need see saw seen think thought know knew say said seem happen like feel go went come came try tried let mean many lot lots bit good great bad big small new old other others same well better right sure whole people anything everything something nothing'.split(
    ' ',
  );
const STOP = new Set(STOP_WORDS.map(normalizeWord));
/** Words that carry content; function words, auxiliaries and numbers say nothing about the idea. */
const CONTENT_POS = new Set(['NOUN', 'PROPN', 'VERB', 'ADJ', 'ADV', 'X']);
const NEGATION_NORMS = new Set(
  ['not', 'no', 'never', 'nor', 'neither', 'none', 'nobody', 'nothing', 'without', 'skip'].map(normalizeWord),
);
const PERMITS = new Set(['let', 'allow', 'permit'].map(normalizeWord));
/** Contrasts, not denials: "a shared state rather than files scattered across laptops". */
const CONTRASTS = new Set(['rather', 'instead']);
/** First-person words: a denial told of what the speaker or their team did or has ("we didn't revert"). */
export const FIRST_PERSON: ReadonlySet<string> = new Set(['i', 'we', 'me', 'us', 'my', 'our', 'ours', 'myself', 'ourselves']);
/** Words that may stand between the speaker and the denial: "we did n't", "we had no", "we just never". */
const BETWEEN = new Set(['AUX', 'PART', 'ADV']);
const HAVE = new Set(['have', 'has', 'had']);
/** Cues that are their own subject: "nobody checked the logs", "nothing stopped it". */
const SUBJECT_CUES = new Set(['nobody', 'nothing', 'none', 'no one']);

/**
 * Whether the denial tells what the speaker's side did not do or have: a first-person subject right
 * before the cue ("we didn't revert", "we never found out", "our policies don't block deletes", "we
 * had no linting step"), or a cue that is its own subject with a past-tense verb ("nobody updated
 * the code"). Denials that state how things work ("so you never have new code talking to an old
 * schema", "nobody has to open a PR", "a copy with a different lineage isn't an older copy", "a new
 * ID and none of the data") often make a point in other words, and were read as denying it: of the
 * 9 such readings in the blind sets fresh6 and fresh7, 8 were of points the answer made.
 */
function narratedDenial(words: readonly AnalysedWord[], cue: number, first: number): boolean {
  const cueWord = words[cue];
  if (!cueWord) return false;
  if (SUBJECT_CUES.has(cueWord.word.toLowerCase())) {
    // "nobody checked", "nobody ever found out": a verb in the past ("nobody has to", "nobody gets
    // to" say how things work).
    let k = cue + 1;
    while (words[k]?.pos === 'ADV' && k - cue <= 2) k++;
    const verb = words[k];
    const form = verb?.word.toLowerCase() ?? '';
    return (
      verb !== undefined &&
      (verb.pos === 'VERB' || verb.pos === 'AUX') &&
      form !== verb.lemma.toLowerCase() &&
      !/(?:s|ing)$/u.test(form)
    );
  }
  let k = cue - 1;
  // "we did n't", "we have never", "we just never", "we had no"; at most one auxiliary, since two
  // in a row cross a clause ("the first thing I did was n't writing code" is not about what I did).
  // A cue such as "wasn't" or "don't" is itself an auxiliary.
  let auxiliaries = /n['’]t$/u.test(cueWord.word) ? 1 : 0;
  for (let skipped = 0; k >= first && skipped < 2; skipped++, k--) {
    const w = words[k];
    if (!w || !(BETWEEN.has(w.pos) || HAVE.has(w.word.toLowerCase()))) break;
    if (w.pos === 'AUX' || HAVE.has(w.word.toLowerCase())) auxiliaries++;
    if (auxiliaries > 1) break;
  }
  const subject = words[k];
  if (subject && k >= first && FIRST_PERSON.has(subject.word.toLowerCase())) return true;
  // "our policies don't", "our environments never": a first-person possessive and its noun.
  const owner = words[k - 1];
  return subject?.pos === 'NOUN' && owner !== undefined && k - 1 >= first && FIRST_PERSON.has(owner.word.toLowerCase());
}

/** The best point must outweigh the runner-up by this much, or the clause names no point. */
const MARGIN = 0.25;

interface Vocabulary {
  /** Every content norm of the point. */
  all: Set<string>;
  /** Norms of its description and `point` text. */
  described: Set<string>;
  /** Norms of its phrases and terms. */
  phrased: Set<string>;
  /** Negation words its own phrases use ("no longer listed", "never lock=false"): its idea is a denial. */
  negations: Set<string>;
}

const content = (ns: readonly string[]) => ns.filter((n) => n.length > 1 && n !== '#' && !STOP.has(n));

function describedNorms(text: string): string[] {
  return content(answerTokens(text).map((t) => t.norm));
}

function phraseNorms(phrase: string): string[] {
  return content(canonicalPhrase(phrase.replace(/[|#]/gu, ' ')));
}

const vocabularies = new WeakMap<readonly IdeaPoint[], Vocabulary[]>();

function vocabulariesOf(points: readonly IdeaPoint[]): Vocabulary[] {
  let v = vocabularies.get(points);
  if (!v) {
    v = points.map((p) => {
      const described = new Set(describedNorms(`${p.description ?? ''} ${p.point}`));
      const phrased = new Set([...p.match, ...(p.terms ?? [])].flatMap(phraseNorms));
      const negations = new Set(
        [...p.match, ...(p.terms ?? [])].flatMap((m) => canonicalPhrase(m.replace(/[|#]/gu, ' '))).filter((n) => NEGATION_NORMS.has(n)),
      );
      return { all: new Set([...described, ...phrased]), described, phrased, negations };
    });
    vocabularies.set(points, v);
  }
  return v;
}

/** The norm of `vocab` this word stands for, if any. */
function normIn(w: AnalysedWord, vocab: ReadonlySet<string>): string | undefined {
  if (vocab.has(w.norm)) return w.norm;
  if (vocab.has(w.lemmaNorm)) return w.lemmaNorm;
  return w.parts?.find((p) => vocab.has(p));
}

export interface DeniedIdeaOptions {
  /** The question's text: its words name the topic, not one point. */
  question?: string;
  /** Negation words already read as denying a phrase of some point. */
  explained?: ReadonlySet<AnalysedWord>;
}

/** For each point id, the first clause that denies its idea without one of its phrases. */
export function deniedIdeas(
  analysis: AnswerAnalysis,
  points: readonly IdeaPoint[],
  options: DeniedIdeaOptions = {},
): Map<string, DeniedIdea> {
  const out = new Map<string, DeniedIdea>();
  if (points.length === 0) return out;
  const words = analysis.words;
  const spans = new Map<number, number[]>();
  words.forEach((w, i) => {
    for (const cue of w.deniedBy) spans.set(cue, [...(spans.get(cue) ?? []), i]);
  });
  if (spans.size === 0) return out;
  const vocab = vocabulariesOf(points);
  const topic = new Set(canonicalPhrase(options.question ?? ''));
  for (const [cue, covered] of spans) {
    const cueWord = words[cue];
    if (!cueWord || options.explained?.has(cueWord) || CONTRASTS.has(cueWord.word)) continue;
    // "won't let two applies write", "does not allow a second run": a prohibition states the
    // safeguard, it does not deny it.
    if (PERMITS.has(words[cue + 1]?.lemmaNorm ?? '') || PERMITS.has(words[cue + 2]?.lemmaNorm ?? '')) continue;
    const sentence = analysis.sentences.find((s) => s.first <= cue && cue <= s.last);
    if (sentence?.list) continue;
    // Distinct content words of the denied clause, and which points use each.
    const seen = new Set<string>();
    const clauseWords: { word: AnalysedWord; users: number[]; weight: number }[] = [];
    for (const k of covered) {
      const w = words[k];
      if (!w || k === cue || w.negation || w.article || !CONTENT_POS.has(w.pos) || STOP.has(w.norm)) continue;
      if (seen.has(w.lemmaNorm)) continue;
      seen.add(w.lemmaNorm);
      const users = vocab.flatMap((v, p) => (normIn(w, v.all) ? [p] : []));
      // A word of the question names the topic: it weighs as if two more points used it.
      const weight = 1 / (users.length + (topic.has(w.norm) || topic.has(w.lemmaNorm) ? 2 : 0));
      if (users.length > 0) clauseWords.push({ word: w, users, weight });
    }
    if (clauseWords.length === 0) continue;
    const scores = points.map((_, p) =>
      clauseWords.reduce((sum, c) => (c.users.includes(p) ? sum + c.weight : sum), 0),
    );
    const ranked = scores.map((score, p) => ({ score, p })).sort((a, b) => b.score - a.score);
    const best = ranked[0];
    if (!best || best.score < 1 || best.score - (ranked[1]?.score ?? 0) < MARGIN) continue;
    const own = clauseWords.filter((c) => c.users.includes(best.p));
    const v = vocab[best.p];
    const single = own[0];
    const enough =
      own.length >= 2 ||
      (single !== undefined &&
        v !== undefined &&
        single.weight === 1 &&
        normIn(single.word, v.described) !== undefined &&
        normIn(single.word, v.phrased) !== undefined);
    const id = points[best.p]?.id;
    // A point whose own phrases deny something ("no longer listed") is made, not denied, by a negation.
    const stated = v?.negations.has(cueWord.norm) === true;
    if (!enough || stated || id === undefined || out.has(id)) continue;
    const first = words[covered[0] ?? cue] ?? cueWord;
    const last = words[covered.at(-1) ?? cue] ?? cueWord;
    out.set(id, {
      cue: cueWord,
      words: own.map((c) => c.word),
      start: first.start,
      end: last.end,
      narrated: narratedDenial(words, cue, sentence?.first ?? 0),
    });
  }
  return out;
}
