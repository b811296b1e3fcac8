/**
 * Which sentences are keyword lists rather than claims. Prose is about half function words
 * (the, a, we, it, in, of, was, to…); a list of terms has almost none. A sentence is a list when
 * - none of its parts (cut at commas, colons, semicolons) is a claim of its own: three words or more
 *   with a finite verb and a subject or article ("Operations that write state take the lock: plan,
 *   apply, import." is a claim with an enumeration, not a list), and
 * - it has six or more words (chunks between spaces) and under 20 % of them are function words,
 *   adjectives, adverbs or conjunctions ("lock lock DynamoDB CI timeout retry force-unlock"), or
 *   it has three or more parts, most of
 *   them one to three words long ("Key words: S3 lockfile, conditional write, -lock=false."). In a run
 *   of four or more such parts a bare imperative ("tell the team") is a note, not a claim;
 * - or it is a list in a frame: five or more parts of one to three words that are no claims, holding
 *   at least half its words, and claims only about the answer itself ("Let me just list what comes
 *   to mind: tagged modules, semver, pinned versions per env, …"; "So the arguments, roughly: bucket,
 *   key, region, …, I think that covers most of it"). Such a frame has a verb, but it speaks of
 *   listing, keywords or what comes to mind, not of the subject; a claim that carries an enumeration
 *   ("The lock is taken by every command that writes state: plan, apply, import, …") stays a claim.
 */
import type { AnswerToken } from '../talking-point-matcher/answer-tokens.ts';

interface Word extends AnswerToken {
  pos: string;
  lemma: string;
}

const FUNCTION_POS = new Set(['DET', 'PRON', 'ADP', 'AUX', 'SCONJ', 'PART']);

export interface SentenceKind {
  list: boolean;
  /** A telegraphic note: two to four words, not one of them a function word or pronoun. */
  note: boolean;
  /** Space-separated chunks, the unit of "how much of the answer". */
  chunks: number;
}

const OPENERS = new Set(
  'the a an this that these those my our their its your it we i they you he she there which who whose what where when if because so than'.split(
    ' ',
  ),
);

const DETERMINERS = new Set('the a an this that these those my our their its your'.split(' '));

/**
 * A verb that can make a claim: an auxiliary or a verb not in -ing. A verb in its base form right
 * after "the state" is wink mistagging a noun ("the state lock").
 */
function finiteVerb(w: Word, i: number, item: readonly Word[]): boolean {
  if (w.pos === 'AUX') return true;
  // wink tags some third-person verbs after a noun as plural nouns: "the rule blocks deleting" has a
  // verb, "waves hooks order health" is a run of nouns.
  const prev = item[i - 1];
  const next = item[i + 1];
  if (w.pos === 'NOUN' && /[^s]s$/u.test(w.word) && /^(?:NOUN|PRON)$/u.test(prev?.pos ?? '') && next) {
    return !/^(?:NOUN|PROPN)$/u.test(next.pos) || !/[^s]s$/u.test(prev?.word ?? '');
  }
  if (w.pos !== 'VERB' || w.word.endsWith('ing')) return false;
  if (w.word !== w.lemma) return true;
  const before = item[i - 1];
  const after = item[i + 1];
  // "DynamoDB lock table", "state lock file": a base-form "verb" between nouns is part of a noun.
  const pluralSubject = before?.pos === 'NOUN' && /[^s]s$/u.test(before.word);
  if (!pluralSubject && /NOUN|PROPN|ADJ/u.test(before?.pos ?? '') && /NOUN|PROPN/u.test(after?.pos ?? '')) return false;
  if (after === undefined && i > 0) return false;
  const twoBefore = item[i - 2];
  // "the state lock", "our state lock": a noun phrase. After a subject pronoun ("I run", "we
  // apply") the base form is a present-tense verb.
  const inNounPhrase =
    (before !== undefined && DETERMINERS.has(before.word)) ||
    (before?.pos === 'NOUN' && twoBefore !== undefined && DETERMINERS.has(twoBefore.word));
  return !inNounPhrase;
}

/**
 * A claim has a finite verb and either a subject or article ("Operations that write state take the
 * lock"), or a noun right before its verb in a short part ("lower waves go first") or in a part
 * with a fair share of function words ("Helm hooks are mapped onto Argo CD hooks"). wink's tagger
 * misses articles and mistags nouns as verbs in terse prose, but a long run of nouns and "verbs"
 * without function words is a keyword string ("waves hooks order health cleanup helm").
 */
function claimItem(item: readonly Word[], chunks: number): boolean {
  if (chunks < 3) return false;
  // A question ("who holds it", "is it dead") asks; it does not claim.
  const first = item[0];
  if (first && (/^(?:who|what|which|why|how|where|when)$/u.test(first.word) || first.pos === 'AUX')) return false;
  const verbAt = item.findIndex((w, i) => finiteVerb(w, i, item));
  if (verbAt < 0) return false;
  if (item.some((w) => OPENERS.has(w.word))) return true;
  const verb = item[verbAt];
  const before = item[verbAt - 1];
  const nounBefore = verbAt > 0 && /NOUN|PROPN|PRON/u.test(before?.pos ?? '');
  // A base-form "verb" after a singular noun is as likely a compound ("force unlock").
  const agrees =
    verb?.pos === 'AUX' || verb?.word !== verb?.lemma || (before?.pos === 'NOUN' && /[^s]s$/u.test(before.word));
  const functionShare = item.filter((w) => FUNCTION_POS.has(w.pos)).length / item.length;
  return nounBefore && agrees && (chunks <= 5 || functionShare >= 0.12);
}

/** Words of a frame that speaks about the answer rather than its subject ("keywords I'd hit on"). */
const FRAME_TALK =
  /\b(?:list|lists|listing|mind|keywords?|key words|buzzwords?|words|terms|bullets?|roughly|things|top of my head|covers? (?:it|most|everything|the basics)|that's (?:it|about it|all))\b/iu;

/** Function words, modifiers and conjunctions: the grammar a keyword string lacks. */
const GRAMMAR_POS = new Set([...FUNCTION_POS, 'ADJ', 'ADV', 'CCONJ', 'SCONJ']);

/** Sentence number → kind. */
export function sentenceKinds(text: string, words: readonly Word[]): Map<number, SentenceKind> {
  const bySentence = new Map<number, Word[]>();
  for (const w of words) {
    const list = bySentence.get(w.sentence) ?? [];
    list.push(w);
    bySentence.set(w.sentence, list);
  }
  const out = new Map<number, SentenceKind>();
  for (const [sentence, ws] of bySentence) {
    // Chunks: words not separated by white space belong together ("force-unlock", "-lock=false").
    const chunkFirst: Word[] = [];
    ws.forEach((w, i) => {
      const prev = ws[i - 1];
      if (!prev || /\s/u.test(text.slice(prev.end, w.start))) chunkFirst.push(w);
    });
    const chunks = chunkFirst.length;
    const functionWords = chunkFirst.filter((w) => FUNCTION_POS.has(w.pos) || OPENERS.has(w.word)).length;
    const items: Word[][] = [];
    ws.forEach((w, i) => {
      if (i === 0 || (w.breakBefore !== 'none' && w.breakBefore !== 'clause-word')) items.push([]);
      items.at(-1)?.push(w);
    });
    const chunkCount = (item: Word[]) => item.filter((w) => chunkFirst.includes(w)).length;
    // In a run of four or more short items, a bare imperative ("tell the team, force-unlock ID,
    // plan") is a note in a list, not a claim.
    const imperativeNote = (item: Word[]) =>
      items.length >= 4 && chunkCount(item) <= 3 && item[0]?.pos === 'VERB' && item[0].word === item[0].lemma;
    const claims = items.filter((item) => claimItem(item, chunkCount(item)) && !imperativeNote(item));
    const claim = claims.length > 0;
    const short = items.filter((item) => chunkCount(item) <= 3).length;
    const grammar = chunkFirst.filter((w) => GRAMMAR_POS.has(w.pos) || OPENERS.has(w.word)).length;
    const terms = items.filter((item) => chunkCount(item) <= 3 && !claims.includes(item));
    const termChunks = terms.reduce((n, item) => n + chunkCount(item), 0);
    const itemText = (item: Word[]) => text.slice(item[0]?.start ?? 0, item.at(-1)?.end ?? 0);
    const framedList =
      claim &&
      terms.length >= 5 &&
      termChunks * 2 >= chunks &&
      claims.every((item) => FRAME_TALK.test(itemText(item)));
    const list =
      framedList ||
      (!claim && ((chunks >= 6 && grammar / chunks < 0.2) || (items.length >= 3 && short / items.length >= 0.6)));
    const note = chunks <= 4 && functionWords === 0 && !ws.some((w) => w.pos === 'PRON');
    out.set(sentence, { list, note, chunks });
  }
  return out;
}
