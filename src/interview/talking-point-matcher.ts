/**
 * Which talking points a written answer makes, judged on claims rather than words, computed locally
 * (no network, no hosted model) over the answer's analysis (./answer-analysis.ts).
 *
 * A phrase of a point's `match` list is found when all its words stand within one segment of a
 * sentence (between two punctuation marks), in any order, no more than three other words apart in
 * all. Words compare by stem and by lemma ("changes something manually" meets `manual change`,
 * "ran" meets "run"), synonyms are folded (PR = pull request), a compound meets its parts ("cleaned
 * up" = `cleanup`), `a|b` in a phrase accepts either word at that place, `~name` any word of a class
 * (`~delete` = delete, remove, drop, wipe…; ./talking-point-matcher/word-classes.ts) and `#` any number.
 *
 * What a mention is worth depends on where it stands:
 * - in a sentence that asserts something (it has a verb and is not a keyword list) and outside any
 *   denial: a claim, the point is **hit**;
 * - inside a denial's scope ("didn't scan the HCL with checkov or tfsec" denies both): **negated**; so
 *   is a point that a denial names in other words ("we didn't revert" for "git revert"), when the
 *   denied words belong to that point more than to any other (./talking-point-matcher/denied-ideas.ts);
 * - in a keyword list or a verbless fragment, or a bare name from the point's `terms`: named only,
 *   the point is **partial**, never a hit. So is an answer sentence that shares most of the key
 *   words of the point's description without any phrase: close in meaning, shown as such.
 * Each result carries a one-line reason the page shows, so a learner can argue with it.
 */
import type { MatchedMention, PointResult } from '../shared/interview-api.ts';
import type { TalkingPoint } from '../shared/interview-entry.ts';
import type { AnalysedWord, AnswerAnalysis } from './answer-analysis.ts';
import { answerTokens, normalizeWord } from './talking-point-matcher/answer-tokens.ts';
import { canonicalTokens } from './talking-point-matcher/synonyms.ts';
import { deniedIdeas, FIRST_PERSON, type DeniedIdea } from './talking-point-matcher/denied-ideas.ts';
import { wordClasses } from './talking-point-matcher/word-classes.ts';

/** Words of a phrase may be spread over its own length plus this many other words. */
const SLACK = 3;
/** Candidate places per phrase word considered in one segment (keeps the search small). */
const MAX_CANDIDATES = 6;
/** `#` in a phrase stands for any number: "# minutes", "from # to #", "half a day". */
const ANY_NUMBER = '#';
const NUMBER_WORDS = new Set(['half', 'dozen', 'dozens', 'couple', 'few', 'several', 'hundreds', 'thousands']);

/** What the matcher needs of a talking point (`terms` and `description` are optional). */
export type MatchablePoint = Pick<TalkingPoint, 'id' | 'point' | 'match'> &
  Partial<Pick<TalkingPoint, 'description' | 'terms'>>;

/** One place of a phrase: the words (each a list of norms, usually one) that may stand there. */
type Slot = string[][];

interface CompiledPhrase {
  text: string;
  slots: Slot[];
  /** Norm count, for the window. */
  size: number;
}

const compiled = new Map<string, CompiledPhrase>();

/** Norms of a phrase's words; memoised, as word classes repeat the same members in many phrases. */
const normsOf = new Map<string, string[]>();

function norms(text: string): string[] {
  let out = normsOf.get(text);
  if (!out) {
    out = canonicalTokens(answerTokens(text))
      .filter((t) => !t.article)
      .map((t) => t.norm);
    normsOf.set(text, out);
  }
  return out;
}

function classMembers(name: string, phrase: string): readonly string[] {
  const members = wordClasses[name];
  if (!members) {
    throw new Error(
      `talking-point phrase "${phrase}": expected a word class after "~" (${Object.keys(wordClasses).join(', ')}), found "~${name}"; fix the phrase or add the class to talking-point-matcher/word-classes.ts`,
    );
  }
  return members;
}

/** "force-unlock with lock id" → slots; "delete|remove from git" → [[delete],[remove]], [[from]], [[git]]. */
export function compilePhrase(text: string): CompiledPhrase {
  const seen = compiled.get(text);
  if (seen) return seen;
  const slots: Slot[] = [];
  // Runs of plain words are normalised together, so multi-word synonyms fold ("lock id" = `lockid`).
  let plain: string[] = [];
  const flush = () => {
    for (const n of norms(plain.join(' '))) slots.push([[n]]);
    plain = [];
  };
  for (const chunk of text.trim().split(/\s+/u)) {
    if (chunk === ANY_NUMBER) {
      flush();
      slots.push([[ANY_NUMBER]]);
    } else if (chunk.includes('|') || /^~\p{L}/u.test(chunk)) {
      flush();
      const alternatives = chunk
        .split('|')
        .flatMap((a) => (/^~\p{L}/u.test(a) ? classMembers(a.slice(1), text) : [a]))
        .map((a) => (a === ANY_NUMBER ? [ANY_NUMBER] : norms(a)))
        .filter((a) => a.length > 0);
      if (alternatives.length > 0) slots.push(alternatives);
    } else {
      plain.push(chunk);
    }
  }
  flush();
  const size = slots.reduce((n, s) => n + Math.min(...s.map((a) => a.length)), 0);
  const phrase = { text, slots, size };
  compiled.set(text, phrase);
  return phrase;
}

function same(word: AnalysedWord | undefined, norm: string): boolean {
  if (word === undefined) return false;
  if (norm === ANY_NUMBER) return /^\d/u.test(word.norm) || word.pos === 'NUM' || NUMBER_WORDS.has(word.word);
  return (
    word.norm === norm ||
    word.lemmaNorm === norm ||
    word.parts?.includes(norm) === true ||
    word.aliases?.includes(norm) === true
  );
}

/** Where alternative `alt` matches starting at word i of the segment [i, limit): the last index used. */
function matchAt(words: readonly AnalysedWord[], i: number, limit: number, alt: readonly string[]): number {
  const w = words[i];
  if (!w || w.article) return -1;
  // A compound meets its parts: `cleanup` = "cleaned up", `lockfile` = "lock file", and back.
  if (alt.length === 1) {
    if (same(w, alt[0] ?? '')) return i;
    const next = words[i + 1];
    if (next && i + 1 < limit && w.norm + next.norm === alt[0]) return i + 1;
    return -1;
  }
  if (alt.length === 2 && w.norm === `${alt[0]}${alt[1]}`) return i;
  let k = i;
  for (let m = 0; m < alt.length; m++) {
    while (k < limit && words[k]?.article) k++;
    if (k >= limit || !same(words[k], alt[m] ?? '')) return -1;
    if (m < alt.length - 1) k++;
  }
  return k;
}

interface Place {
  first: number;
  last: number;
}

interface Occurrence {
  first: number;
  last: number;
  used: Set<number>;
}

/** The tightest occurrence of the phrase in segment [from, to), or null. */
function findInSegment(words: readonly AnalysedWord[], from: number, to: number, phrase: CompiledPhrase): Occurrence | null {
  const candidates: Place[][] = [];
  for (const slot of phrase.slots) {
    const places: Place[] = [];
    for (let i = from; i < to && places.length < MAX_CANDIDATES; i++) {
      for (const alt of slot) {
        const last = matchAt(words, i, to, alt);
        if (last >= 0) {
          places.push({ first: i, last });
          break;
        }
      }
    }
    if (places.length === 0) return null;
    candidates.push(places);
  }
  let best: Occurrence | null = null;
  let bestSpan = Infinity;
  const chosen: Place[] = [];
  const search = (slot: number) => {
    if (slot === candidates.length) {
      const first = Math.min(...chosen.map((p) => p.first));
      const last = Math.max(...chosen.map((p) => p.last));
      // Count written words: a synonym expanded to two norms ("CI") is still one word.
      const starts = new Set<number>();
      for (let k = first; k <= last; k++) {
        const w = words[k];
        if (w && !w.article) starts.add(w.start);
      }
      const span = starts.size;
      const inOrder = chosen.every((p, k) => k === 0 || (chosen[k - 1]?.last ?? -1) < p.first);
      // "changes something manually" meets `manual change`, "post in the team channel" meets
      // `channel post`; "code and review changes" does not meet `change code`: words found out of
      // order may not straddle an "and"/"or" (they belong to different items).
      let crossed = false;
      for (let k = first; !inOrder && k <= last; k++) if (words[k]?.pos === 'CCONJ') crossed = true;
      if (!crossed && span <= phrase.size + SLACK && span < bestSpan) {
        const used = new Set<number>();
        for (const p of chosen) for (let k = p.first; k <= p.last; k++) used.add(k);
        bestSpan = span;
        best = { first, last, used };
      }
      return;
    }
    for (const place of candidates[slot] ?? []) {
      if (chosen.some((p) => place.first <= p.last && p.first <= place.last)) continue;
      chosen.push(place);
      search(slot + 1);
      chosen.pop();
    }
  };
  search(0);
  return best;
}

/** Every norm, lemma and two-word compound of an answer: most phrases are ruled out by a lookup. */
const vocabularies = new WeakMap<AnswerAnalysis, Set<string>>();

function vocabulary(analysis: AnswerAnalysis): Set<string> {
  let v = vocabularies.get(analysis);
  if (!v) {
    v = new Set<string>();
    const words = analysis.words;
    words.forEach((w, i) => {
      v?.add(w.norm).add(w.lemmaNorm);
      const next = words[i + 1];
      if (next) v?.add(w.norm + next.norm);
      if (same(w, ANY_NUMBER)) v?.add(ANY_NUMBER);
      for (const part of w.parts ?? []) v?.add(part);
      for (const alias of w.aliases ?? []) v?.add(alias);
    });
    vocabularies.set(analysis, v);
  }
  return v;
}

function possible(vocab: ReadonlySet<string>, phrase: CompiledPhrase): boolean {
  return phrase.slots.every((slot) => slot.some((alt) => vocab.has(alt[0] ?? '') || vocab.has(alt.join(''))));
}

function occurrences(analysis: AnswerAnalysis, phrase: CompiledPhrase): Occurrence[] {
  const words = analysis.words;
  const out: Occurrence[] = [];
  if (!possible(vocabulary(analysis), phrase)) return out;
  let from = 0;
  while (from < words.length) {
    const segment = words[from]?.segment;
    let to = from;
    while (to < words.length && words[to]?.segment === segment) to++;
    const occ = findInSegment(words, from, to, phrase);
    if (occ) out.push(occ);
    from = to;
  }
  return out;
}

type Role = 'claim' | 'denied' | 'listed' | 'fragment' | 'name';

interface Found {
  phrase: string;
  occ: Occurrence;
  start: number;
  end: number;
  role: Role;
  cue: AnalysedWord | undefined;
  /** For a named term counted as a claim: the description's words its sentence says. */
  explained?: string[];
  /** A negation this claim states rather than suffers ("doesn't" in "restoring state doesn't undo…"). */
  asserts: AnalysedWord[];
}

/** With FIRST_PERSON (denied-ideas.ts), words that make a clause someone's denial of what they did ("we didn't", "I never", "our team has no"). */
const NEGATION_WORDS = new Set(['not', 'no', 'never', 'nothing', 'nobody', 'none', 'cannot', 'without', 'neither', 'nor']);

/** Words that deny by themselves: "immutable" is "cannot be changed", "irreversible" "cannot be undone". */
const NEGATIVE_WORDS = new Map(
  Object.entries({
    immutable: 'change edit modify alter rewrite update',
    unchangeable: 'change edit modify alter rewrite update',
    irreversible: 'undo revert reverse',
    // "state push refuses a lower serial": a refusal is a limit, said as "won't let you push".
    refuse: '',
    reject: '',
    prevent: '',
    forbid: '',
  }).map(([word, verbs]) => [normalizeWord(word), verbs.split(' ').filter(Boolean).map(normalizeWord)]),
);

const negatedOf = new Map<string, Set<string>>();

/**
 * The content norms of the clauses of a point's description (and `point` text) that deny something
 * ("Destroyed resources do not come back", "CI does not push into the cluster"): the point's own idea
 * is negative there. Memoised.
 */
function negatedIdea(point: MatchablePoint): Set<string> {
  const text = `${point.description ?? ''}. ${point.point}`;
  let out = negatedOf.get(text);
  if (!out) {
    out = new Set<string>();
    for (const clause of text.split(/[.;:,()]|\s(?:but|so|because|whereas)\s/u)) {
      const tokens = answerTokens(clause);
      const implied = tokens.flatMap((t) => NEGATIVE_WORDS.get(t.norm) ?? []);
      const limiting = tokens.some((t) => t.negation || NEGATION_WORDS.has(t.norm) || NEGATIVE_WORDS.has(t.norm));
      if (!limiting) continue;
      for (const t of canonicalTokens(tokens)) {
        if (!t.negation && !STOP.has(t.word) && t.word.length > 2) out.add(t.norm);
      }
      for (const n of implied) out.add(n);
    }
    negatedOf.set(text, out);
  }
  return out;
}

/**
 * A denial that states the point: the point's idea is itself a denial ("a rollback does not undo
 * data"), the answer's denied words are that idea's words, and the denial is not someone saying what
 * they did not do ("we didn't", "I never"): "if it fails, the rollout doesn't happen", "nothing rolls
 * back on its own", "deleting the commit doesn't un-leak it".
 */
function statesNegativeIdea(analysis: AnswerAnalysis, used: Iterable<number>, cue: number, point: MatchablePoint): string[] | null {
  const idea = negatedIdea(point);
  if (idea.size === 0) return null;
  const words = analysis.words;
  // "there was no scheduled plan" denies that a thing existed: a practice, not a negative idea.
  if (words[cue]?.word === 'no') return null;
  // The denied clause: the phrase's words and every word the cue covers ("plan -refresh-only won't
  // propose any changes").
  const clauseWords = new Set(used);
  words.forEach((w, k) => {
    if (w.deniedBy.includes(cue)) clauseWords.add(k);
  });
  // The denied predicate must be the idea's: "promotion wasn't painful" shares only the subject with
  // "promotion is not built in".
  const shared = [...clauseWords].filter((k) => {
    const w = words[k];
    return (
      w !== undefined && k !== cue && !w.negation && !STOP.has(w.word) && (idea.has(w.norm) || idea.has(w.lemmaNorm))
    );
  });
  if (shared.length < 2) return null;
  // …and the verb the cue denies must be the idea's: "nobody stopped the pipelines while we
  // restored" shares "while … restore" with "nobody writes while you restore", but denies stopping.
  const clause = words[cue]?.clause;
  let predicate: AnalysedWord | undefined;
  for (let k = cue + 1; k < words.length && words[k]?.clause === clause; k++) {
    const w = words[k];
    if (!w || w.pos !== 'VERB' || LIGHT_VERBS.has(w.lemmaNorm)) continue;
    // "would never use -lock=false", "don't run an apply with it": the object says the idea.
    if (!GENERIC_VERBS.has(w.lemmaNorm)) predicate = w;
    break;
  }
  if (
    predicate &&
    !(idea.has(predicate.norm) || idea.has(predicate.lemmaNorm) || predicate.aliases?.some((a) => idea.has(a)))
  ) {
    return null;
  }
  // "I never let two jobs touch the same state": a prohibition states the safeguard, whoever says it.
  const prohibition = [1, 2].some((d) => PERMITS.has(words[cue + d]?.lemmaNorm ?? ''));
  if (!prohibition && firstPersonDenial(words, cue)) return null;
  return [...new Set(shared.sort((a, b) => a - b).map((k) => words[k]?.word ?? ''))];
}

const PERMITS = new Set(['let', 'allow', 'permit'].map((w) => normalizeWord(w)));
/** Verbs that carry no idea of their own between a denial and its predicate ("gets to review", "let you push"). */
const LIGHT_VERBS = new Set(
  ['be', 'have', 'do', 'get', 'let', 'allow', 'permit', 'can', 'will', 'able', 'need', 'want', 'go', 'make'].map((w) =>
    normalizeWord(w),
  ),
);
const GENERIC_VERBS = new Set(['use', 'run', 'pass', 'set', 'end', 'land', 'wind'].map((w) => normalizeWord(w)));

/** "we didn't", "I never", "our team has no": someone saying what they did not do. */
function firstPersonDenial(words: readonly AnalysedWord[], cue: number): boolean {
  const clause = words[cue]?.clause;
  for (let k = cue - 1; k >= 0 && words[k]?.clause === clause; k--) {
    if (FIRST_PERSON.has(words[k]?.word ?? '')) return true;
  }
  for (let k = cue + 1; k < words.length && words[k]?.clause === clause && k <= cue + 2; k++) {
    if (FIRST_PERSON.has(words[k]?.word ?? '')) return true;
  }
  return false;
}

function roleOf(
  analysis: AnswerAnalysis,
  occ: Occurrence,
  term: boolean,
  point?: MatchablePoint,
): { role: Role; cue: AnalysedWord | undefined; waived?: AnalysedWord | undefined } {
  const words = analysis.words;
  // Denied when a word of the phrase is under a denial that is not part of the phrase itself.
  // "Unlike CloudFormation, nothing rolls back on its own" says CloudFormation rolls back: a phrase
  // that names the contrast is asserted by the main clause's denial.
  const contrasted = [...occ.used].some((k) => words[k]?.contrast === true);
  let waived: AnalysedWord | undefined;
  for (const k of occ.used) {
    const cue = words[k]?.deniedBy.find((x) => !occ.used.has(x) && !(contrasted && words[x]?.contrast !== true));
    if (cue === undefined) continue;
    if (point && statesNegativeIdea(analysis, occ.used, cue, point)) waived = words[cue];
    else return { role: 'denied', cue: words[cue] };
  }
  const sentence = analysis.sentences.find((s) => s.first <= occ.first && occ.first <= s.last);
  if (sentence?.list) return { role: 'listed', cue: undefined };
  if (sentence?.fragment) return { role: 'fragment', cue: undefined };
  // A term in a clause that states the point's own denial says the point ("plan -refresh-only won't
  // propose any changes").
  return { role: term && !waived ? 'name' : 'claim', cue: undefined, waived };
}

const STOP = new Set(
  'a an the and or of to in on for with by at as is are be it its this that from into can so not no than then when which who what how each every any all one two per use used using their them they we our you your'.split(
    ' ',
  ),
);

const contentOf = new Map<string, string[]>();

/** The content words of a description, as norms (memoised: descriptions come back with every answer). */
function contentNorms(text: string): string[] {
  let out = contentOf.get(text);
  if (!out) {
    out = [
      ...new Set(
        answerTokens(text)
          .filter((t) => !STOP.has(t.word) && t.word.length > 2)
          .map((t) => t.norm),
      ),
    ];
    contentOf.set(text, out);
  }
  return out;
}

/** The answer sentence sharing most content words with the description, if it shares at least 60 %. */
interface Close {
  text: string;
  shared: string[];
  /** The sentence says nearly all of the description (see SAID_SHARE): counted as a hit. */
  said: boolean;
}

/**
 * A sentence that says at least this share of the description's key words (and at least four of
 * them), none denied, states the point in the description's own words: "With directories staging can
 * run a newer module version than production" for "Directories let staging run a newer module
 * version than production".
 */
const SAID_SHARE = 0.8;
const SAID_MIN = 4;

/** The answer sentence sharing most content words with the description, if it shares at least 60 %. */
function closestSentence(analysis: AnswerAnalysis, description: string): Close | null {
  const wanted = contentNorms(description);
  if (wanted.length < 3) return null;
  let best: Close | null = null;
  for (const s of analysis.sentences) {
    if (s.list || s.fragment) continue;
    const here = analysis.words.slice(s.first, s.last + 1).filter((w) => w.deniedBy.length === 0);
    const shared = wanted.filter((n) => here.some((w) => same(w, n)));
    if (shared.length / wanted.length >= 0.6 && (!best || shared.length > best.shared.length)) {
      const words = here.filter((w) => shared.some((n) => same(w, n))).map((w) => w.word);
      const said = !s.denied && shared.length >= SAID_MIN && shared.length / wanted.length >= SAID_SHARE;
      best = { text: s.text, shared: [...new Set(words)], said };
    }
  }
  return best;
}

/** A named term is explained when its sentence also says this share of the description's key words (at least two). */
const EXPLAINED_SHARE = 0.4;

/**
 * A term named in a sentence that also says what it does, in the description's words: "The pipeline
 * authenticates with OIDC, read-only for plans, a separate role with write access for applies" names
 * `OIDC` and says read-only, role, plan, write, apply. Returns the description words it says.
 */
function explainedName(analysis: AnswerAnalysis, f: Found, description: string): string[] | null {
  const wanted = contentNorms(description);
  if (wanted.length < 3) return null;
  const sentence = analysis.sentences.find((s) => s.first <= f.occ.first && f.occ.first <= s.last);
  if (!sentence || sentence.list || sentence.fragment || sentence.denied) return null;
  // The name stands in a clause with a verb ("The pipeline authenticates with OIDC"), not as one item
  // of a list of terms ("provider versions, hashes, commit it").
  const segment = analysis.words[f.occ.first]?.segment;
  const around = analysis.words.filter((w, k) => w.segment === segment && !f.occ.used.has(k) && !w.article);
  // (The tagger takes some verbs for plural nouns: "The pipeline authenticates with OIDC".)
  if (!around.some((w) => w.pos === 'VERB' || w.pos === 'AUX') && around.length < 3) return null;
  const here = analysis.words
    .slice(sentence.first, sentence.last + 1)
    .filter((w, k) => w.deniedBy.length === 0 && !f.occ.used.has(sentence.first + k));
  const shared = wanted.filter((n) => here.some((w) => same(w, n)));
  if (shared.length < 2 || shared.length / wanted.length < EXPLAINED_SHARE) return null;
  return [...new Set(here.filter((w) => shared.some((n) => same(w, n))).map((w) => w.word))];
}

/**
 * A phrase as a learner reads it: a class by its head word (`~delete` → delete) and, among
 * alternatives, `single_line` as two words (identifiers such as `use_lockfile` stay as written).
 */
function shown(phrase: string): string {
  return phrase
    .split(/\s+/u)
    .map((chunk) => (chunk.includes('|') || chunk.startsWith('~') ? chunk.replace(/~/gu, '').replace(/_/gu, ' ') : chunk))
    .join(' ');
}

const quote = (text: string) => `“${text.replace(/\s+/gu, ' ').trim()}”`;

function reasonFor(
  status: PointResult['status'],
  found: readonly Found[],
  text: string,
  point: MatchablePoint,
  close: Close | null,
  idea?: DeniedIdea,
): string {
  const said = (f: Found) => quote(text.slice(f.start, f.end));
  const gist = point.description ?? point.point;
  if (status === 'hit') {
    const f = found.find((x) => x.role === 'claim');
    if (!f && close?.said) {
      return `Counted: ${quote(close.text)} says the point in its own words (${close.shared.join(', ')}).`;
    }
    if (f?.explained) {
      return `Counted: you named ${said(f)} and said what it does in the same sentence (${f.explained.join(', ')}).`;
    }
    return f ? `Counted: ${said(f)} matches “${shown(f.phrase)}” in a sentence that states it.` : 'Counted.';
  }
  if (status === 'negated') {
    const f = found.find((x) => x.role === 'denied');
    if (!f && idea) {
      const own = idea.words.map((w) => w.word).join(', ');
      return `Not counted: ${quote(text.slice(idea.start, idea.end))} is denied by “${idea.cue.word}”, and its words (${own}) are this point's: ${gist}.`;
    }
    const cue = f?.cue ? `“${f.cue.word}”` : 'a negation';
    return f ? `Not counted: ${said(f)} is denied by ${cue} in the same clause.` : 'Not counted: only mentioned as denied.';
  }
  if (status === 'partial') {
    const listed = found.find((x) => x.role === 'listed' || x.role === 'fragment');
    if (listed) {
      const where = listed.role === 'listed' ? 'in a list of terms' : 'in a fragment without a verb';
      return `Partly: ${said(listed)} is named ${where}, not in a sentence that says what it does.`;
    }
    const named = found.find((x) => x.role === 'name');
    if (named) return `Partly: you named ${said(named)} but did not say what it does; the point is: ${gist}.`;
    if (close) return `Partly: close in meaning (${close.shared.join(', ')}) but not said outright; the point is: ${gist}.`;
  }
  return `Not found: ${gist}. For example: ${point.match
    .slice(0, 2)
    .map((m) => `“${shown(m).replace(/\|/gu, ' / ')}”`)
    .join(', ')}.`;
}

/** Every mention of a point's phrases and terms in the answer, with what each is worth. */
function findMentions(analysis: AnswerAnalysis, point: MatchablePoint): Found[] {
  const words = analysis.words;
  const found: Found[] = [];
  const look = (phrases: readonly string[], term: boolean) => {
    for (const phrase of phrases) {
      for (const occ of occurrences(analysis, compilePhrase(phrase))) {
        const { role, cue, waived } = roleOf(analysis, occ, term, point);
        const start = words[occ.first]?.start ?? 0;
        const asserts: AnalysedWord[] = [];
        if (role === 'claim') {
          for (const k of occ.used) {
            const w = words[k];
            if (w && (w.negation || w.norm === 'not')) asserts.push(w);
          }
          if (waived) asserts.push(waived);
        }
        found.push({ phrase, occ, start, end: words[occ.last]?.end ?? start, role, cue, asserts });
      }
    }
  };
  look(point.match, false);
  look(point.terms ?? [], true);
  return found;
}

/**
 * The result for every talking point, in the entry's order. `question` (the question's text) keeps
 * the question's own words from telling its points apart when a denial is read without a phrase.
 */
export function matchTalkingPoints(
  analysis: AnswerAnalysis,
  points: readonly MatchablePoint[],
  question = '',
): PointResult[] {
  // A negation that some point's claim states ("restoring state doesn't undo the infrastructure")
  // denies nothing for the other points: their words in that clause are not shown as denied.
  const mentioned = points.map((point) => findMentions(analysis, point));
  const asserting = new Set(mentioned.flat().flatMap((f) => f.asserts));
  const founds = mentioned.map((found) => found.filter((f) => f.role !== 'denied' || !f.cue || !asserting.has(f.cue)));
  // Negations already read as denying some point's phrase are explained; the others may deny a
  // point in other words (./talking-point-matcher/denied-ideas.ts).
  const explained = new Set(founds.flat().flatMap((f) => (f.role === 'denied' && f.cue ? [f.cue] : [])));
  const denials = deniedIdeas(analysis, points, { question, explained });
  return points.map((point, p) => {
    const found = founds[p] ?? [];
    const mentions = new Map<string, MatchedMention & { rank: number }>();
    for (const f of found) {
      const { start, end } = f;
      const rank = f.role === 'claim' ? 3 : f.role === 'denied' ? 2 : 1;
      const key = `${start}:${end}`;
      const seen = mentions.get(key);
      if (!seen || seen.rank < rank) {
        mentions.set(key, { phrase: f.phrase, start, end, negated: f.role === 'denied', named: rank === 1, rank });
      }
    }
    let idea = found.some((f) => f.role === 'claim' || f.role === 'denied') ? undefined : denials.get(point.id);
    // "nobody gets to review a plan first" for "the old import command changes state with no plan to
    // review": a denial in other words that is the point's own negative idea states it.
    let stated: { idea: DeniedIdea; words: string[] } | undefined;
    if (idea) {
      const cue = analysis.words.indexOf(idea.cue);
      const own = idea.words.map((w) => analysis.words.indexOf(w));
      const words = statesNegativeIdea(analysis, own, cue, point);
      if (words) {
        stated = { idea, words };
        idea = undefined;
      }
    }
    // Only a denial of what the speaker's side did ("we didn't revert") denies the point; one that
    // says how things work ("so you never have new code talking to an old schema") often makes it.
    if (idea && !idea.narrated) idea = undefined;
    for (const w of idea?.words ?? []) {
      mentions.set(`${w.start}:${w.end}`, { phrase: w.word, start: w.start, end: w.end, negated: true, named: false, rank: 2 });
    }
    // A name inside words that already count ("lockfile" in "use_lockfile") adds only noise.
    const all = [...mentions.values()];
    const list = all
      .filter((m) => m.rank > 1 || !all.some((o) => o.rank > 1 && o.start < m.end && m.start < o.end))
      .sort((a, b) => a.start - b.start || b.end - a.end)
      .map(({ rank: _rank, ...m }) => m);
    const close = found.length === 0 && !idea && point.description ? closestSentence(analysis, point.description) : null;
    const claimed = found.some((f) => f.role === 'claim');
    const denied = found.some((f) => f.role === 'denied') || idea !== undefined;
    let explained: { f: Found; words: string[] } | undefined;
    for (const f of claimed || denied || !point.description ? [] : found.filter((x) => x.role === 'name')) {
      const words = explainedName(analysis, f, point.description ?? '');
      if (words) {
        explained = { f, words };
        break;
      }
    }
    if (explained) {
      explained.f.role = 'claim';
      explained.f.explained = explained.words;
    }
    const status: PointResult['status'] =
      found.some((f) => f.role === 'claim') || close?.said === true || stated !== undefined
      ? 'hit'
      : found.some((f) => f.role === 'denied') || idea
        ? 'negated'
        : found.length > 0 || close
          ? 'partial'
          : 'missed';
    const reason =
      stated && !found.some((f) => f.role === 'claim')
        ? `Counted: ${quote(analysis.text.slice(stated.idea.start, stated.idea.end))} says the point, which is itself a denial (${stated.words.join(', ')}).`
        : reasonFor(status, found, analysis.text, point, close, idea);
    return { id: point.id, status, mentions: list, reason };
  });
}
