/**
 * Clauses and the reach of a denial inside them.
 *
 * A clause starts at the beginning of a sentence, after ; : ( ) or a dash, at but/however/because/so,
 * at before/until/unless/instead (a denial does not cross them: "never unlock before you confirm"
 * still asks you to confirm), and at a comma or a coordinating word that opens a new subject and verb
 * ("we did not panic, we used a lock table"; "we didn't revert in Git and recreated them by hand").
 * A comma followed by more nouns ("with checkov, tfsec or trivy") or by a verb without a subject
 * ("did not read the lock info, trace the job or check") continues the clause.
 *
 * A negation word covers its whole clause: the words before it ("locking simply wasn't configured")
 * and after it, lists included. It does not reach back across "that", "whether", "who", "which", "if",
 * "when" ("confirm that no job is running" asserts the confirming). "without", "instead of", "rather
 * than", "forgot to" and a coordinated "and not" ("a move and not a destroy") cover only what follows
 * them. "not only", "not just" deny nothing. "is off" denies its clause like "not" does; "turned X
 * off" denies X, not who turned it off.
 */
import { CLAUSE_WORDS, type AnswerToken } from '../talking-point-matcher/answer-tokens.ts';

interface Word extends AnswerToken {
  pos: string;
  lemma: string;
  /** In a fronted "Unlike X," phrase: a clause of its own. */
  contrast?: boolean;
}

const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'nor',
  'neither',
  'none',
  'nobody',
  'nothing',
  'cannot',
  'hardly',
  'nowhere',
]);
const NOT_A_DENIAL_AFTER = new Set(['only', 'just', 'merely', 'simply', 'necessarily', 'least']);
/** Clause openers that the comma/segment split does not already make. */
const HARD_WORDS = new Set(['before', 'until', 'unless']);
/** These open a clause only when a subject or verb follows ("then I ran", not "a plan afterwards"). */
const OPENING_ADVERBS = new Set(['then', 'afterwards', 'instead', 'otherwise']);
/** A denial after these does not reach back before them. */
const SOFT_WORDS = new Set(['that', 'whether', 'if', 'who', 'which', 'whose', 'when', 'while', 'where', 'once', 'how', 'what', 'why']);
const COORDINATORS = new Set(['and', 'or', 'but', 'nor', 'yet', 'then']);
const VERBAL = new Set(['VERB', 'AUX']);

function isVerb(w: Word | undefined): boolean {
  return w !== undefined && VERBAL.has(w.pos);
}

/** A verb in a form other than its lemma: "recreated", "ran", "uses" (not "check", "run"). */
function inflected(w: Word | undefined): boolean {
  return w !== undefined && w.pos === 'VERB' && w.word !== w.lemma && !w.word.endsWith('ing');
}

const SUBJECT_PRONOUNS = new Set([
  'i',
  'we',
  'you',
  'he',
  'she',
  'they',
  'it',
  'someone',
  'somebody',
  'everyone',
  'everybody',
  'nobody',
  'this',
  'that',
  'there',
  'which',
  'who',
]);
const NOUN_PHRASE = new Set(['DET', 'ADJ', 'NOUN', 'PROPN', 'NUM', 'PRON']);

/** A verb that can carry a clause on its own: an auxiliary, or a verb not in its base form. */
function finite(w: Word | undefined): boolean {
  return w !== undefined && (w.pos === 'AUX' || inflected(w));
}

/**
 * Does a clause with its own subject start at `from`? A subject pronoun followed by a verb ("we used"),
 * or a plain noun phrase followed by a finite verb ("the plan showed", "Argo CD deletes").
 */
function subjectAndVerb(words: readonly Word[], from: number): boolean {
  const first = words[from];
  if (!first) return false;
  // "it's", "we've": subject and verb in one word.
  if (first.pos === 'AUX' && /['’]/u.test(first.word)) return true;
  const segment = first.segment;
  if (SUBJECT_PRONOUNS.has(first.word)) {
    let k = from + 1;
    while (words[k]?.pos === 'ADV' && words[k]?.segment === segment) k++;
    return isVerb(words[k]) && words[k]?.segment === segment;
  }
  for (let k = from; k < words.length && k - from <= 5; k++) {
    const w = words[k];
    if (!w || w.segment !== segment) return false;
    const next = words[k + 1];
    // wink sometimes tags the first word of a compound noun as a verb ("lead time", "state file").
    const compound = w.pos === 'VERB' && !finite(w) && (next?.pos === 'NOUN' || next?.pos === 'PROPN');
    if (k > from && isVerb(w) && !compound) return finite(w);
    // "the licence question never came up": an adverb between the subject and its verb.
    if (k > from && w.pos === 'ADV') continue;
    if (!NOUN_PHRASE.has(w.pos) && !compound) return false;
  }
  return false;
}

/** For each word: does a new clause start at it? */
export function clauseStarts(words: readonly Word[]): boolean[] {
  return words.map((w, i) => {
    if (i === 0) return true;
    if (w.breakBefore === 'sentence' || w.breakBefore === 'strong' || w.breakBefore === 'clause-word') return true;
    if (HARD_WORDS.has(w.word) || CLAUSE_WORDS.has(w.word)) return true;
    // ", which in practice means Git history": a relative clause after a comma says something of its
    // own, and a denial on either side stays on its side.
    if (w.breakBefore === 'comma' && (w.word === 'which' || w.word === 'who')) return true;
    // "Unlike CloudFormation, nothing rolls back": the main clause's denial does not reach the contrast.
    if (words[i - 1]?.contrast === true && !w.contrast) return true;
    // ", since nobody on the team writes TypeScript": a reason of its own (", since 1.7" and ", since
    // then" are times).
    if (w.word === 'since' && w.breakBefore === 'comma') {
      const next = words[i + 1];
      if (next && /^(?:PRON|DET|NOUN|PROPN)$/u.test(next.pos) && next.word !== 'then') return true;
    }
    if (OPENING_ADVERBS.has(w.word)) {
      const next = words[i + 1];
      if (next && next.segment === w.segment && (SUBJECT_PRONOUNS.has(next.word) || isVerb(next))) return true;
    }
    if (w.breakBefore === 'comma') {
      let k = i;
      while (COORDINATORS.has(words[k]?.word ?? '') || words[k]?.pos === 'ADV') k++;
      return subjectAndVerb(words, k) || (k > i && inflected(words[k]));
    }
    if (COORDINATORS.has(w.word)) {
      let k = i + 1;
      while (words[k]?.pos === 'ADV' && words[k]?.segment === w.segment) k++;
      const next = words[k];
      if (!next || next.segment !== w.segment) return false;
      // "lock table and the timeout" is a list; "and the plan showed", "and we fixed" open a clause.
      // After "or" only a pronoun subject does: "PostSync or SyncFail hooks" is still the object.
      if (w.word === 'or' || w.word === 'nor') return SUBJECT_PRONOUNS.has(next.word) && subjectAndVerb(words, k);
      return subjectAndVerb(words, k) || inflected(next);
    }
    return false;
  });
}

const NEGATIVE_SUBJECTS = new Set(['nothing', 'nobody', 'none', 'no']);
const LOSSES = /^(?:losing|breaking|hurting|dropping|sacrificing|compromising|risking|disrupting|interrupting|downtime)$/u;

/**
 * Cues that cover only what follows them: "without", "instead of", "rather than", "forgot to"; a
 * contrastive ", not Y" ("a cancelled job, not something still writing"); and a negative subject
 * ("nothing is broken", "nobody looked"), which denies its own predicate only; "no", which denies
 * the noun phrase it opens ("there was no lock table").
 */
function forwardCue(words: readonly Word[], i: number): boolean {
  const word = words[i];
  const w = word?.word;
  const next = words[i + 1]?.word;
  // "without losing Terraform as the source of truth", "without breaking anything": a loss denied is
  // something kept, not a practice denied.
  if (w === 'without' && LOSSES.test(words[i + 1]?.word ?? '')) return false;
  if (w === 'without') return true;
  // "we switched off self-heal", "turned off prune": what follows is disabled.
  if (w === 'off' && /^(?:switch|turn)/u.test(words[i - 1]?.word ?? '') && !isVerb(words[i + 1])) return true;
  // "I skipped looking for the cause": what follows was not done.
  if (w === 'skip' || w === 'skipped' || w === 'skipping') return true;
  if ((w === 'not' || w === 'never') && word?.breakBefore === 'comma' && !isVerb(words[i + 1])) return true;
  // "check the plan shows a move and not a destroy": a contrast coordinated into the clause denies
  // only its own noun phrase ("and not applied" is a denied verb: the clause's, as before).
  if (
    w === 'not' &&
    COORDINATORS.has(words[i - 1]?.word ?? '') &&
    words[i - 1]?.segment === word?.segment &&
    NOUN_PHRASE.has(words[i + 1]?.pos ?? '')
  ) {
    return true;
  }
  // "a git revert like any other change, nothing special": an aside after a comma, on what follows it only.
  if ((w === 'nothing' || w === 'none') && word?.breakBefore === 'comma' && !isVerb(words[i + 1])) return true;
  // "just reporting, not blocking anything": a contrast after a comma, on what follows it only.
  if (w === 'not' && word?.breakBefore === 'comma' && /ing$/u.test(words[i + 1]?.word ?? '')) return true;
  // "no" denies the noun phrase it opens ("there was no lock table", "with no guardrails").
  if (w === 'no' && next !== 'longer' && next !== 'more') return true;
  // "no more emailing tfstate files around", "is no longer on laptops": what follows stopped.
  if (w === 'no' && (next === 'longer' || next === 'more') && word?.breakBefore === 'comma') return true;
  if (NEGATIVE_SUBJECTS.has(w ?? '') && i > 0 && isVerb(words[i + 1])) return true;
  // "with nothing for a reviewer to see", "for none of them": a noun phrase after a preposition.
  if ((w === 'nothing' || w === 'none') && words[i - 1]?.pos === 'ADP' && words[i - 1]?.segment === word?.segment) {
    return true;
  }
  if (w === 'instead' && next === 'of') return true;
  if (w === 'rather' && next === 'than') return true;
  return (w === 'forgot' || w === 'forget' || w === 'forgotten') && next === 'to';
}

const BE = new Set(['is', 'was', 'are', 'were', 'be', 'been', 'stays', 'stayed', 'remains', 'remained']);

function isNegation(words: readonly Word[], i: number): boolean {
  const w = words[i];
  if (!w) return false;
  // "self-heal is off", "prune was disabled": a state denied, not an action taken.
  if (w.word === 'off' || w.word === 'disabled') {
    if ([1, 2].some((d) => BE.has(words[i - d]?.word ?? '') && words[i - d]?.segment === w.segment)) return true;
    // "we turned prune off", "switched auto-sync off for the release": what stands between is disabled.
    return (
      w.word === 'off' &&
      [2, 3, 4, 5].some((d) => /^(?:switch|turn)/u.test(words[i - d]?.word ?? '') && words[i - d]?.segment === w.segment)
    );
  }
  const negative = NEGATIONS.has(w.word) || /n['’]t$/u.test(w.word) || w.norm === 'not';
  if (!negative) return false;
  const next = words[i + 1];
  if (next && next.segment === w.segment && NOT_A_DENIAL_AFTER.has(next.word)) return false;
  // "no more than", "no later than" are limits, not denials; "no one" is. "and nothing else" stresses.
  if (w.word === 'no' && next && ['later', 'earlier'].includes(next.word)) return false;
  if (w.word === 'nothing' && next && ['else', 'more'].includes(next.word)) return false;
  return true;
}

/** In "turned prune off", "switches those checks off": the words between the verb and "off". */
function turnedOffObject(words: readonly Word[], i: number): { from: number; to: number } | null {
  const w = words[i];
  if (w?.word !== 'off') return null;
  for (const d of [2, 3, 4, 5]) {
    const verb = words[i - d];
    if (verb && /^(?:switch|turn)/u.test(verb.word) && verb.segment === w.segment) return { from: i - d + 1, to: i - 1 };
  }
  return null;
}

/** For each word, the indexes of the negation cues that cover it. */
export function negationScopes(words: readonly Word[], starts: readonly boolean[]): number[][] {
  const covered: number[][] = words.map(() => []);
  const clauseStart = (i: number) => {
    let k = i;
    while (k > 0 && !starts[k]) k--;
    return k;
  };
  const clauseEnd = (i: number) => {
    let k = i + 1;
    while (k < words.length && !starts[k]) k++;
    return k - 1;
  };
  for (let i = 0; i < words.length; i++) {
    const forward = forwardCue(words, i);
    if (!forward && !isNegation(words, i)) continue;
    let from = i;
    let subordinate = false;
    // "-force turns those checks off": what stands between the verb and "off" is disabled, not the
    // subject that disables it.
    const turnedOff = turnedOffObject(words, i);
    if (turnedOff) {
      for (let k = turnedOff.from; k <= turnedOff.to; k++) covered[k]?.push(i);
      continue;
    }
    if (!forward) {
      from = clauseStart(i);
      for (let k = i - 1; k >= from; k--) {
        const here = words[k];
        const after = words[k + 1];
        // "that/whether/if … not": a subordinate clause; "the values [the scan never sees]": a
        // relative clause without "that" (a noun directly followed by a new subject).
        // "make sure [it could not happen]": a subject pronoun right after a verb or adjective
        // opens an embedded clause.
        const embedded =
          k + 1 < i &&
          ((after?.pos === 'PRON' && SUBJECT_PRONOUNS.has(after.word)) || (here?.word === 'sure' && after?.pos === 'DET')) &&
          (here?.pos === 'VERB' || here?.pos === 'ADJ');
        if (
          SOFT_WORDS.has(here?.word ?? '') ||
          embedded ||
          ((here?.pos === 'NOUN' || here?.pos === 'PROPN') &&
            (after?.pos === 'DET' ||
              SUBJECT_PRONOUNS.has(after?.word ?? '') ||
              // "things Terraform doesn't have": a name as the subject of the relative clause.
              (after?.pos === 'PROPN' && isVerb(words[k + 2]))) &&
            k + 1 < i)
        ) {
          from = SOFT_WORDS.has(here?.word ?? '') ? k : k + 1;
          subordinate = true;
          break;
        }
      }
    }
    let to = clauseEnd(i);
    // A denial inside a subordinate clause ends with it, at the next comma at the latest.
    if (subordinate || forward) {
      for (let k = i + 1; k <= to; k++) {
        if (words[k]?.breakBefore !== 'none') {
          to = k - 1;
          break;
        }
      }
    }
    for (let k = from; k <= to; k++) covered[k]?.push(i);
  }
  return covered;
}
