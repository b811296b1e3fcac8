/**
 * Splits an answer into word tokens that remember where they came from (character offsets, for
 * highlighting) and which sentence and segment they sit in (a segment ends at any punctuation
 * inside a sentence; phrases match inside one segment), and what separated them from the word
 * before (the answer analysis builds clauses from that).
 *
 * Punctuation inside technical terms is a word break on both sides of the comparison, so
 * `-lock=false`, `lock = false` and `lock false` all become `lock false`, and `use_lockfile`
 * matches `use lockfile`. A dot is a sentence end only when followed by a space or the end of the
 * text, so `main.tf` and `1.11` stay inside their sentence.
 */
import { stemmer } from 'stemmer';

export interface AnswerToken {
  /** The word as written (lower case). */
  word: string;
  /** What matching compares: stemmed, British spelling and irregular verbs folded. */
  norm: string;
  start: number;
  end: number;
  sentence: number;
  /** Stretch of words between two punctuation marks (or clause words) of one sentence. */
  segment: number;
  /** What stands between this word and the previous one. */
  breakBefore: 'sentence' | 'strong' | 'comma' | 'clause-word' | 'none';
  /** Articles take no part in matching and do not count as a gap between words. */
  article: boolean;
  /** not, no, never, n't, without… */
  negation: boolean;
  /** For a synonym folded into one word ("state file" → statefile): the words it was made of. */
  parts?: readonly string[];
}

// "~>" is a word of its own: the pessimistic version constraint ("~> 5.1").
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*|%|~>/gu;
// The gap between two words: a dot followed by white space ends a sentence; "errored.tfstate" does not.
const SENTENCE_BREAK = /[.!?]["'’”)]*\s|\n\s*\n|\n\s*(?:[-*•]|\d+[.)])\s/u;
// Arrows between terms ("refactor -> prune -> revert") separate items as a dash does.
const STRONG_BREAK = /[;:()[\]{}\u2013\u2014\u2192]|\s-+\s|\s[-=]+>\s/u;
// Commas, and list marks written between spaces ("templates + values", "locking / versioning"). An
// "=" is not one: "encrypt = true", "destroy = false" are settings, read as one phrase.
const COMMA_BREAK = /,|\s[+/&|]\s/u;
/** Words that open a new segment (and, for the analysis, a new clause). */
export const CLAUSE_WORDS = new Set(['but', 'however', 'although', 'though', 'whereas', 'yet', 'because', 'so']);
const ARTICLES = new Set(['a', 'an', 'the']);
const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'without',
  'nor',
  'neither',
  'none',
  'nobody',
  'nothing',
  'cannot',
  'hardly',
]);

const NUMBER_WORDS: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
  eleven: '11',
  twelve: '12',
  twenty: '20',
  thirty: '30',
  hundred: '100',
};

/** Past forms the Porter stemmer cannot fold ("ran" stays "ran"), as they come up in stories. */
const IRREGULAR: Record<string, string> = {
  ran: 'run',
  took: 'take',
  taken: 'take',
  wrote: 'write',
  written: 'write',
  held: 'hold',
  broke: 'break',
  broken: 'break',
  brought: 'bring',
  found: 'find',
  made: 'make',
  built: 'build',
  led: 'lead',
  kept: 'keep',
  sent: 'send',
  did: 'do',
  done: 'do',
  does: 'do',
  went: 'go',
  gone: 'go',
  saw: 'see',
  seen: 'see',
  chose: 'choose',
  chosen: 'choose',
  caught: 'catch',
  taught: 'teach',
  thought: 'think',
  began: 'begin',
  begun: 'begin',
  fell: 'fall',
  fallen: 'fall',
  got: 'get',
  gotten: 'get',
  gave: 'give',
  given: 'give',
  knew: 'know',
  known: 'know',
  lost: 'lose',
  met: 'meet',
  paid: 'pay',
  spent: 'spend',
  told: 'tell',
  understood: 'understand',
  rode: 'ride',
  drove: 'drive',
  driven: 'drive',
  froze: 'freeze',
  frozen: 'freeze',
  hid: 'hide',
  hidden: 'hide',
  rebuilt: 'rebuild',
  rewrote: 'rewrite',
  rewritten: 'rewrite',
  overrode: 'override',
  overridden: 'override',
  withdrew: 'withdraw',
  forgot: 'forget',
  forgotten: 'forget',
  sped: 'speed',
  fed: 'feed',
  felt: 'feel',
  left: 'leave',
  meant: 'mean',
  read: 'read',
  shut: 'shut',
  split: 'split',
  set: 'set',
  put: 'put',
  cut: 'cut',
  stood: 'stand',
  won: 'win',
  is: 'be',
  are: 'be',
  was: 'be',
  were: 'be',
  been: 'be',
  has: 'have',
  had: 'have',
};

/** British spellings folded to American ones, so either matches the other. */
const SPELLING: Record<string, string> = {
  behaviour: 'behavior',
  behavioural: 'behavioral',
  colour: 'color',
  favour: 'favor',
  honour: 'honor',
  labour: 'labor',
  neighbour: 'neighbor',
  rumour: 'rumor',
  centre: 'center',
  metre: 'meter',
  licence: 'license',
  defence: 'defense',
  offence: 'offense',
  programme: 'program',
  catalogue: 'catalog',
  dialogue: 'dialog',
  analyse: 'analyze',
  analysed: 'analyzed',
  analysing: 'analyzing',
};

/** Normalised forms already computed: the same few thousand words come back in every answer and phrase. */
const normalized = new Map<string, string>();

/** The form a single lower-case word is compared in. */
export function normalizeWord(lower: string): string {
  let norm = normalized.get(lower);
  if (norm === undefined) {
    norm = normalizeUncached(lower);
    if (normalized.size > 50_000) normalized.clear();
    normalized.set(lower, norm);
  }
  return norm;
}

function normalizeUncached(lower: string): string {
  let word = lower.replace(/['’]s$/u, '').replace(/’/gu, "'");
  // didn't, wasn't, cannot: "not", so a phrase such as "not lock=false" matches "don't pass -lock=false".
  if (/n't$/u.test(word) || word === 'cannot') return 'not';
  if (word === '~>') return normalizeWord('pessimistic');
  const number = NUMBER_WORDS[word];
  if (number) return number;
  if (/\d/u.test(word)) return word;
  word = IRREGULAR[word] ?? SPELLING[word] ?? word;
  // The stemmer makes "production" and "product" one word; here they name different things (an
  // environment, and a platform run "as a product").
  if (word === 'production' || word === 'productions') return 'production';
  // -ise/-isation → -ize/-ization (organise, prioritised, serialisation). Applied to every word on
  // both sides, so a word that merely ends in -ise (raise, promise) changes the same way everywhere.
  if (word.length >= 6) word = word.replace(/is(e|es|ed|ing|ation|ations)$/u, 'iz$1');
  return stemmer(word);
}

function isNegationWord(word: string): boolean {
  return NEGATIONS.has(word) || /n['’]t$/u.test(word);
}

/** The tokens of `text`, in order, with sentence and clause numbers. */
export function answerTokens(text: string): AnswerToken[] {
  const tokens: AnswerToken[] = [];
  let sentence = 0;
  let segment = 0;
  let previousEnd = 0;
  for (const m of text.matchAll(WORD)) {
    const start = m.index;
    const end = start + m[0].length;
    const gap = text.slice(previousEnd, start);
    const word = m[0].toLowerCase();
    let breakBefore: AnswerToken['breakBefore'] = 'none';
    if (tokens.length > 0) {
      if (SENTENCE_BREAK.test(gap)) breakBefore = 'sentence';
      else if (STRONG_BREAK.test(gap)) breakBefore = 'strong';
      else if (COMMA_BREAK.test(gap)) breakBefore = 'comma';
      else if (CLAUSE_WORDS.has(word)) breakBefore = 'clause-word';
      if (breakBefore === 'sentence') sentence++;
      // ", which encrypts…" says something of the word before the comma: one segment, so "SOPS, which
      // encrypts the values" meets `sops encrypts`. (Clauses still start there: negation is unchanged.)
      const relative = breakBefore === 'comma' && (word === 'which' || word === 'who');
      if (breakBefore !== 'none' && !relative) segment++;
    }
    tokens.push({
      word,
      norm: normalizeWord(word),
      start,
      end,
      sentence,
      segment,
      breakBefore,
      article: ARTICLES.has(word),
      negation: isNegationWord(word),
    });
    previousEnd = end;
  }
  return tokens;
}

export interface Sentence {
  text: string;
  start: number;
  end: number;
}

/** The answer's sentences (same boundaries as the tokens use), trimmed, with their offsets. */
export function answerSentences(text: string): Sentence[] {
  const tokens = answerTokens(text);
  const out: Sentence[] = [];
  let i = 0;
  while (i < tokens.length) {
    const first = tokens[i];
    if (!first) break;
    let j = i;
    while (j + 1 < tokens.length && tokens[j + 1]?.sentence === first.sentence) j++;
    const last = tokens[j] ?? first;
    // Keep the closing punctuation with the sentence.
    const tail = /^[.!?"'’”)]*/u.exec(text.slice(last.end))?.[0] ?? '';
    // Keep a label's punctuation and the opening of the sentence too ("Result: …").
    const end = last.end + tail.length;
    out.push({ text: text.slice(first.start, end).replace(/\s+/gu, ' '), start: first.start, end });
    i = j + 1;
  }
  return out;
}
