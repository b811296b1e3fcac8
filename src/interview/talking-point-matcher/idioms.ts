/**
 * Everyday and idiomatic ways engineers say a handful of verbs the bank's phrases use: "check it in",
 * "it goes into Git", "push it to the repo" say `commit`; "undo it in the repository" and "back the
 * change out" say `revert`; "stamp out a copy per cluster" says `create`; "keep the cluster matching
 * Git" says `reconcile`.
 *
 * Unlike synonyms (./synonyms.ts), an idiom rewrites nothing: it gives the answer's head word one more
 * norm it also meets (an alias), so every phrase that asks for the plain verb meets the idiom too, and
 * the words as written still meet the phrases that name them. An idiom of several words is only read
 * in the shape it has as an idiom (a particle or a place after the verb, within the same segment), so
 * "we check in CI that the plan is clean" does not say `commit`.
 *
 * Keep every rule to wordings that say the canonical verb in this domain and nothing else: an alias
 * counts wherever the verb does.
 */
import { answerTokens, type AnswerToken } from './answer-tokens.ts';
import { canonicalTokens } from './synonyms.ts';

interface IdiomWord extends AnswerToken {
  pos?: string;
  lemmaNorm?: string;
  aliases?: string[];
}

const norms = new Map<string, string>();

function norm(word: string): string {
  let out = norms.get(word);
  if (out === undefined) {
    out = canonicalTokens(answerTokens(word))[0]?.norm ?? word;
    norms.set(word, out);
  }
  return out;
}

const normSet = (words: string) => new Set(words.split(' ').map(norm));

/** A verb, an optional short object, then a particle: "check it in", "back the change out", "stamp out". */
interface ParticleIdiom {
  as: string;
  verbs: ReadonlySet<string>;
  particle: string;
  /** Words allowed right after the particle (an empty set: only the end of the segment or these). */
  after?: ReadonlySet<string>;
}

/** Words (pronouns, articles, short nouns) an object between a verb and its particle may use, at most. */
const MAX_OBJECT = 3;

const PLACES = normSet('git repository repo main master trunk');
const CONNECTORS = normSet('to into with alongside next together too also as so and or then once');

const particleIdioms: readonly ParticleIdiom[] = [
  // "check it in", "the lockfile is checked in", "checked in to Git" (not "check in CI that…").
  { as: 'commit', verbs: normSet('check'), particle: 'in', after: new Set([...PLACES, ...CONNECTORS]) },
  { as: 'revert', verbs: normSet('back'), particle: 'out' },
  { as: 'create', verbs: normSet('stamp churn crank spin'), particle: 'out' },
  { as: 'create', verbs: normSet('spin'), particle: 'up' },
  { as: 'delete', verbs: normSet('blow'), particle: 'away' },
  { as: 'delete', verbs: normSet('tear'), particle: 'down' },
  { as: 'delete', verbs: normSet('wipe clean'), particle: 'out' },
  // "someone looks over the plan", "we read through the diff".
  { as: 'review', verbs: normSet('look read'), particle: 'over' },
  { as: 'review', verbs: normSet('look read'), particle: 'through' },
  // "get the old state back", "bring the bucket back".
  { as: 'restore', verbs: normSet('bring get put'), particle: 'back' },
  // "the apply blew up", "the job errored out", "the pipeline fell over".
  { as: 'fail', verbs: normSet('blow'), particle: 'up' },
  { as: 'fail', verbs: normSet('error bomb'), particle: 'out' },
  { as: 'fail', verbs: normSet('fall'), particle: 'over' },
  // "a lead signs off on the plan".
  { as: 'approve', verbs: normSet('sign'), particle: 'off' },
  // "kick off a plan", "fire off the pipeline".
  { as: 'trigger', verbs: normSet('kick fire'), particle: 'off' },
  // "runs queue up", "jobs wait in line", "they take turns".
  { as: 'queue', verbs: normSet('wait'), particle: 'line' },
  { as: 'queue', verbs: normSet('take'), particle: 'turns' },
];

/**
 * A verb whose object is put into a place: "it goes into Git", "put the lock file in the repo",
 * "push it to Git". The verb gets the alias.
 */
interface PlaceIdiom {
  as: string;
  verbs: ReadonlySet<string>;
  prepositions: ReadonlySet<string>;
  places: ReadonlySet<string>;
}

const placeIdioms: readonly PlaceIdiom[] = [
  {
    as: 'commit',
    verbs: normSet('go goes went get put push add land'),
    prepositions: normSet('in into to'),
    places: PLACES,
  },
  // "the lock file lives in the repo", "we keep it in Git", "it belongs in version control".
  { as: 'commit', verbs: normSet('live sit belong keep store'), prepositions: normSet('in into under'), places: PLACES },
  // "check it into Git" ("check in Git whether…" is a check).
  { as: 'commit', verbs: normSet('check'), prepositions: normSet('into'), places: PLACES },
];

/** One word said another way, read alone: "undo it in the repo" = revert. */
const wordAliases: ReadonlyMap<string, readonly string[]> = new Map([
  [norm('undo'), [norm('revert')]],
  [norm('converge'), [norm('reconcile')]],
  [norm('spot'), [norm('detect')]],
  [norm('notice'), [norm('detect')]],
  [norm('catch'), [norm('detect')]],
  [norm('prevent'), [norm('block')]],
  [norm('gate'), [norm('block')]],
  [norm('refuse'), [norm('block')]],
  // "cycle the keys".
  [norm('cycle'), [norm('rotate')]],
  [norm('eyeball'), [norm('review')]],
]);

/** Verb-particle compounds written as one word meet a phrase that asks for the verb: "the rollout doesn't happen" = "never rolls out". */
const COMPOUNDS: ReadonlyMap<string, readonly string[]> = new Map(
  ['roll out', 'tear down', 'spin up', 'check in'].map((c) => [norm(c.replace(' ', '')), c.split(' ').map(norm)]),
);

/** "keep the cluster matching Git", "keeps it in sync with the repo": `reconcile`. */
const KEEP = normSet('keep');
const AGREEING = normSet('match matching sync line aligned align consistent');

function add(w: IdiomWord | undefined, alias: string, verb = false): void {
  if (!w || w.norm === alias) return;
  w.aliases = [...new Set([...(w.aliases ?? []), alias])];
  // "Check it in.": the tagger reads an imperative's first word as a name; the idiom makes it a verb.
  if (verb && (w.pos === 'NOUN' || w.pos === 'PROPN')) w.pos = 'VERB';
}

const is = (w: IdiomWord | undefined, set: ReadonlySet<string>) =>
  w !== undefined && (set.has(w.norm) || (w.lemmaNorm !== undefined && set.has(w.lemmaNorm)));

/** Verbs of phrasal verbs the tagger reads as nouns after a subject ("Passwords end up in there"). */
const PHRASAL = normSet('end show turn wind set back roll spin blow fall kick sign pick clean tear wipe look check');
const PARTICLES = new Set(['up', 'out', 'down', 'off', 'back', 'over', 'away']);

/** Every head word of a rule of several words: most words of an answer start none and are skipped at once. */
const HEADS = new Set<string>([
  ...particleIdioms.flatMap((r) => [...r.verbs]),
  ...placeIdioms.flatMap((r) => [...r.verbs]),
  ...KEEP,
  ...PHRASAL,
]);
const CHECKIN = norm('checkin');

/** Gives each word of an analysed answer the aliases its idioms carry (in place). */
export function markIdioms(words: IdiomWord[]): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w) continue;
    const parts = COMPOUNDS.get(w.norm);
    if (parts && !w.parts) w.parts = parts;
    if (w.norm === CHECKIN) add(w, norm('commit'));
    const single = wordAliases.get(w.lemmaNorm ?? w.norm) ?? wordAliases.get(w.norm);
    for (const a of single ?? []) add(w, a);
    if (!is(w, HEADS)) continue;
    const before = words[i - 1];
    if (
      is(w, PHRASAL) &&
      (w.pos === 'NOUN' || w.pos === 'PROPN') &&
      PARTICLES.has(words[i + 1]?.word ?? '') &&
      words[i + 1]?.segment === w.segment &&
      before?.segment === w.segment &&
      /^(?:NOUN|PROPN|PRON)$/u.test(before.pos ?? '')
    ) {
      w.pos = 'VERB';
    }
    const segment = w.segment;
    const within = (k: number) => words[k] !== undefined && words[k]?.segment === segment;
    for (const idiom of particleIdioms) {
      if (!is(w, idiom.verbs)) continue;
      for (let k = i + 1; k <= i + 1 + MAX_OBJECT && within(k); k++) {
        const p = words[k];
        if (p?.word !== idiom.particle && p?.norm !== norm(idiom.particle)) continue;
        const next = within(k + 1) ? words[k + 1] : undefined;
        if (idiom.after && next && !is(next, idiom.after)) break;
        add(w, norm(idiom.as), true);
        break;
      }
    }
    for (const idiom of placeIdioms) {
      if (!is(w, idiom.verbs)) continue;
      for (let k = i + 1; k <= i + 1 + MAX_OBJECT && within(k); k++) {
        if (!is(words[k], idiom.prepositions)) continue;
        let m = k + 1;
        while (within(m) && words[m]?.article) m++;
        // "put it in version control" (not "went to version 5").
        const place = is(words[m], idiom.places) || (words[m]?.word === 'version' && words[m + 1]?.word === 'control');
        if (within(m) && place) add(w, norm(idiom.as), true);
        break;
      }
    }
    if (is(w, KEEP)) {
      for (let k = i + 1; k <= i + 1 + MAX_OBJECT && within(k); k++) {
        if (is(words[k], AGREEING)) {
          add(w, norm('reconcile'));
          break;
        }
      }
    }
  }
}
