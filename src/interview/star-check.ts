/**
 * A STAR-structure check for behavioural answers: does the story have a Situation, a Task, the
 * Actions the speaker took, and a Result, ideally a measurable one? It reads the same analysis as
 * the talking-point matcher (./answer-analysis.ts), sentence by sentence:
 *
 * - an explicit label ("Situation:", "Result –") assigns its sentences to that part, provided they
 *   say something (a keyword list or a one-word label such as "Task: unlock." does not count);
 * - a **Task** is phrased as one: "I was given the job of", "I was asked to", "my goal was", "it was
 *   on me", "I had the pager";
 * - an **Action** is a first-person clause ("I"/"we") whose verb is something done, not had, felt,
 *   wanted or was; a denied clause is not an action ("We did not run a plan", "We fixed nothing");
 * - a **Situation** is scene-setting: typical openings ("at my last company", "we had", "one
 *   Friday"), and any statement before the first action that is neither task nor action;
 * - a **Result** is an outcome told after the first action ("as a result", "in the end", "dropped",
 *   "resumed", "has not recurred"); an action sentence counts as a result only with an explicit
 *   result phrase or a measured change. Words like "ended up" before any action are the situation.
 * - a result is **measurable** when a result sentence attaches a quantity to the outcome ("from
 *   about five a month to zero within a quarter", "25 minutes", "90 percent"); numbers in a denied
 *   clause ("two people can't apply") or in the scene-setting do not count.
 * It is a structure check, not a judgement of the story: the advice says what a listener would miss.
 */
import type { StarPart, StarReport } from '../shared/interview-api.ts';
import type { AnalysedSentence, AnswerAnalysis } from './answer-analysis.ts';

type Part = StarPart['part'];
const PARTS: readonly Part[] = ['situation', 'task', 'action', 'result'];

const LABEL =
  /^\s*(?:\d+[.)]\s*)?(situation|context|background|task|goal|objective|my role|action|actions|what i did|approach|result|results|outcome|impact)\s*[:\-\u2013\u2014]/iu;
const LABEL_PART: Record<string, Part> = {
  situation: 'situation',
  context: 'situation',
  background: 'situation',
  task: 'task',
  goal: 'task',
  objective: 'task',
  'my role': 'task',
  action: 'action',
  actions: 'action',
  'what i did': 'action',
  approach: 'action',
  result: 'result',
  results: 'result',
  outcome: 'result',
  impact: 'result',
};

const COUNT = String.raw`(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundred|a dozen|dozens)`;
const NUMBER = String.raw`(?:${COUNT}|a few|several|half|a third|a quarter)`;
const UNIT = String.raw`(?:%|percent|per cent|x\b|times|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|quarters?|years?|seconds?|secs?|ms|sprints?|engineers|people|teams|services|incidents|outages|pipelines|deploy(?:s|ments)?|releases|tickets|prs|pull requests|requests|errors|alerts|pages|deletions|violations|dollars|euros|pounds|k\b|gb|gib|mb)`;

const TASK = new RegExp(
  [
    // "my manager asked me to", "the CTO tasked me with"
    String.raw`\b(?:asked|tasked|told|needed|wanted) me (?:to|with)\b`,
    String.raw`\bi was (?:asked|tasked|given|responsible|accountable|on[ -]?call|the on[ -]?call|on (?:platform |release |incident )?duty|the owner|the lead|in charge|the one)\b`,
    String.raw`\b(?:my|our) (?:job|task|goal|role|responsibility|brief|mission|aim|remit)\b[^.;]{0,40}?\b(?:was|became|is)\b`,
    String.raw`\b(?:was|became) my (?:job|responsibility|task|call|problem)\b`,
    String.raw`\bi (?:had|needed|wanted) to\b|\bwe needed to\b`,
    String.raw`\bthe (?:goal|aim|task|ask|brief|job) was\b|\bthe (?:task|job) was (?:mine|on me)\b`,
    String.raw`\bi (?:took (?:it )?on|took ownership|volunteered|owned the)\b`,
    String.raw`\bit was (?:my (?:job|call|task|responsibility)|on me)\b|\bwas on me\b|\bi had the pager\b`,
    String.raw`\b(?:as|being) the (?:\w+ )?(?:lead|owner|on[ -]?call)\b|\bwaited on me\b`,
    String.raw`\bi (?:led|owned|drove) the (?:rollout|migration|project|effort|work|change)\b`,
    String.raw`\b(?:we|i) (?:defined|set) (?:success|a target|the goal)\b`,
  ].join('|'),
  'iu',
);

const SITUATION = new RegExp(
  [
    String.raw`\bat (?:my|our|a|an|one|the) (?:[\w-]+ ){0,2}(?:job|company|employer|role|team|startup|fintech|bank|retailer|client|scale-?up|agency|shop|firm|insurer|provider)\b`,
    String.raw`\bin my (?:first|second|third|last) (?:year|month|week|job|role)\b`,
    String.raw`\bwe (?:had|ran|were running|were using|used to)\b`,
    String.raw`\bour (?:team|platform|company|pipeline|setup|stack|release|product)\b`,
    String.raw`\bthere (?:was|were)\b`,
    String.raw`\b(?:last|one|that) (?:year|quarter|month|week|spring|summer|autumn|fall|winter|friday|monday|tuesday|wednesday|thursday|day|night|morning|afternoon|evening)\b`,
    String.raw`\bon a (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|release day)\b`,
    String.raw`\bwhen i (?:was|joined|started)\b|\bin my first (?:week|month|year)\b`,
    String.raw`\bi (?:was working|joined|worked)\b`,
    String.raw`\bthe (?:problem|issue|context|situation|pain) was\b`,
    String.raw`\bafter (?:an?|the) (?:incident|outage|audit|breach|pen test)\b`,
    String.raw`\b(?:a few|a couple of|two|three) (?:years|months|weeks) ago\b`,
  ].join('|'),
  'iu',
);

/** Outcomes a listener hears as the result (told after the actions). */
const RESULT = new RegExp(
  [
    String.raw`\bas a result\b|\bthe result\b|\bresult(?:s|ed)? (?:was|were|in)\b`,
    String.raw`\bin the end\b|\bsince then\b|\bfrom then on\b|\bby the end\b|\bended up\b|\boutcome\b|\beventually\b`,
    String.raw`\b(?:reduced|dropped|fell|fallen|improved|increased|decreased|halved|doubled|saved|shortened|eliminated|went (?:from|down|up|to|out)|came back|(?:was|were) back|resumed|unblocked|shipped|recovered|lasted|took (?:us )?(?:about |under |over )?${NUMBER}|worked again|moving again|has caught|have caught|caught|flagged|reached|was adopted|(?:was|were) (?:happy|happier|relieved|pleased)|happier|stopped|disappeared|(?:it|that|this) worked|(?:was|were) (?:fixed|resolved|restored)|happened again|the same thing happened|caused|led to|went (?:fine|well|smoothly)|(?:is|was|were|are) down to|nobody noticed|no (?:customer |user )?impact|got used to|took (?:most of |all )?(?:the |a )?(?:day|morning|afternoon|evening|night|week))\b`,
    String.raw`\bno (?:more|longer)\b|\bzero\b|\bhas(?:n't| not) (?:happened|recurred)\b|\bnot recurred\b|\bnever (?:happened|recurred)\b|\bsince[.!]?$`,
    String.raw`\bin hindsight\b|\blooking back\b|\bi learned\b|\bi learnt\b|\bwe learned\b|\blesson\b`,
  ].join('|'),
  'iu',
);

/** A lesson drawn: the reflective end of a story. */
const LESSON = /\bin hindsight\b|\blooking back\b|\b(?:i|we) (?:learned|learnt)\b|\blesson\b/iu;

/** Said to be the result, wherever it stands: it counts as the result even when told first. */
const EXPLICIT_RESULT = /\bas a result\b|\bthe (?:end )?result (?:was|is)\b|\bin the end\b|\bthe outcome\b/iu;

/** A result phrase strong enough to make even an action sentence the result. */
const STRONG_RESULT =
  /\bas a result\b|\bthe result\b|\bin the end\b|\boutcome\b|\bsince then\b|\bfrom \S+ (?:\w+ ){0,3}to\b|\b(?:dropped|fell|halved|doubled|cut|reduced|went) (?:by|from|to)\b/iu;

const MEASURABLE = new RegExp(
  [
    String.raw`\b${NUMBER}\s*(?:an? )?${UNIT}`,
    // "blocked four plans", "15 product teams": a count of something.
    String.raw`\b${COUNT}\s+(?:[a-z-]+\s+)?[a-z]{3,}s\b`,
    String.raw`\d\s*%`,
    String.raw`[$€£]\s?\d`,
    String.raw`\bfrom (?:about |around |roughly )?${NUMBER}\b.{0,30}?\bto (?:about |around )?(?:${NUMBER}|zero|none)\b`,
    String.raw`\b(?:an?|one) (?:hour|day|week|minute|month|quarter|sprint)\b`,
    String.raw`\b(?:zero|no) (?:incidents|outages|recurrences|orphaned|failed|failures|pages|tickets|stuck|accidental|violations|deletions)\b`,
    String.raw`\b(?:100|[1-9]\d?) ?percent\b`,
    // "the apply failed twice": a count in a word.
    String.raw`\b(?:twice|thrice)\b`,
    // "No claims have been deleted since": a count of zero.
    String.raw`\b(?:zero|no) [a-z]+ (?:have|has|were|was) (?:been )?[a-z]+ed\b`,
  ].join('|'),
  'iu',
);

/** Verbs that tell what someone had, felt or wanted, not what they did. */
const NOT_ACTIONS = new Set([
  'be',
  'have',
  'need',
  'want',
  'feel',
  'like',
  'love',
  'hate',
  'know',
  'think',
  'believe',
  'hope',
  'wish',
  'regret',
  'learn',
  'learnt',
  'realise',
  'realize',
  'join',
  'lose',
  'work',
  'expect',
  'suppose',
  'see',
  'remember',
]);
const SKIP_BEFORE_VERB = new Set(['ADV', 'AUX', 'PART']);
const PASSIVE = new Set(['was', 'were', 'am', 'is', 'are', 'been', 'being', "i'm", "we're"]);

const ADVICE: Record<Part, string> = {
  situation: 'Set the scene in one or two sentences: where, when, and what was at stake.',
  task: 'Say what you were responsible for: "My job was to…" or "I was on call, so I had to…".',
  action: 'Walk through what you did, in the first person and in order: "I read the lock info, then I…".',
  result: 'End with the outcome: what changed, in numbers, and what you would do differently.',
};

/** Does the sentence tell something the speaker did (a first-person clause with a doing verb, not denied)? */
function isAction(analysis: AnswerAnalysis, s: AnalysedSentence): boolean {
  const words = analysis.words;
  for (let i = s.first; i <= s.last; i++) {
    const w = words[i];
    if (!w || (w.word !== 'i' && w.word !== 'we' && w.word !== "i'd" && w.word !== "we'd")) continue;
    let k = i + 1;
    let passive = false;
    while (k <= s.last && SKIP_BEFORE_VERB.has(words[k]?.pos ?? '')) {
      // "I was asked", "I was working": not a deed; "I had to", "we wanted to": an obligation or intent.
      if (PASSIVE.has(words[k]?.word ?? '') || words[k]?.word === 'to') passive = true;
      k++;
    }
    const verb = words[k];
    if (!verb || verb.pos !== 'VERB' || passive) continue;
    if (NOT_ACTIONS.has(verb.lemma)) continue;
    if (verb.deniedBy.length > 0) continue;
    return true;
  }
  // "I was under pressure and just unlocked it": a verb coordinated with a first-person clause.
  const firstPerson = words.slice(s.first, s.last + 1).some((w) => w.word === 'i' || w.word === 'we');
  for (let i = s.first; firstPerson && i < s.last; i++) {
    if (words[i]?.word !== 'and' && words[i]?.word !== 'then') continue;
    let k = i + 1;
    while (k <= s.last && words[k]?.pos === 'ADV') k++;
    const verb = words[k];
    if (verb?.pos === 'VERB' && verb.word !== verb.lemma && !verb.word.endsWith('ing')) {
      if (!NOT_ACTIONS.has(verb.lemma) && verb.deniedBy.length === 0) return true;
    }
  }
  return false;
}

/** An outcome told inside an action sentence, in a clause of its own: "…, and the Service came back". */
function resultClause(analysis: AnswerAnalysis, s: AnalysedSentence): boolean {
  const words = analysis.words;
  const clauses = new Map<number, { start: number; end: number; firstPerson: boolean }>();
  for (let i = s.first; i <= s.last; i++) {
    const w = words[i];
    if (!w) continue;
    const c = clauses.get(w.clause) ?? { start: w.start, end: w.end, firstPerson: false };
    c.end = w.end;
    if (w.word === 'i' || w.word === 'we') c.firstPerson = true;
    clauses.set(w.clause, c);
  }
  return [...clauses.values()].some((c) => !c.firstPerson && RESULT.test(analysis.text.slice(c.start, c.end)));
}

/** The sentence's text with denied words blanked, so their numbers do not count as results. */
function assertedText(analysis: AnswerAnalysis, s: AnalysedSentence): string {
  let text = analysis.text.slice(s.start, s.end);
  for (let i = s.first; i <= s.last; i++) {
    const w = analysis.words[i];
    // Only a denied verb phrase hides its numbers ("two people can't apply"); "no accidental
    // deletions in a year" is itself a measured result.
    const denial = w?.deniedBy.some((c) => ['not', 'never'].includes(analysis.words[c]?.norm ?? ''));
    if (w && denial) {
      const from = w.start - s.start;
      text = text.slice(0, from) + ' '.repeat(w.end - w.start) + text.slice(from + w.end - w.start);
    }
  }
  return text;
}

/** What a labelled sentence says after its label: at least a few words, and not a list. */
function saysSomething(s: AnalysedSentence): boolean {
  const body = s.text.replace(LABEL, '').trim();
  return !s.list && body.split(/\s+/u).filter((x) => /[\p{L}\p{N}]/u.test(x)).length >= 4;
}

/** The STAR report for the analysis of a written behavioural answer. */
export function checkStar(analysis: AnswerAnalysis): StarReport {
  const sentences = analysis.sentences;
  const firstIndex = new Map<Part, number>();
  const evidence = new Map<Part, string>();
  const measured = new Set<number>();
  const labelOf = (text: string): Part | undefined => LABEL_PART[LABEL.exec(text)?.[1]?.toLowerCase() ?? ''];
  // Parts the speaker labelled are judged by their labels alone ("It saved the evening." inside
  // "Situation:" is not the result); parts never labelled are found by their cues.
  const labelledParts = new Set(sentences.map((s) => labelOf(s.text)).filter((p) => p !== undefined));
  const add = (part: Part, index: number, text: string) => {
    if (!firstIndex.has(part)) {
      firstIndex.set(part, index);
      evidence.set(part, text);
    }
  };
  const explicit = sentences.map((s) => !s.list && EXPLICIT_RESULT.test(s.text));
  const actions = sentences.map((s, k) => !s.list && !explicit[k] && isAction(analysis, s));
  const firstAction = actions.indexOf(true);
  // Results are told after what was done, or at least after the task was stated.
  const tasks = sentences.map((s) => !s.list && TASK.test(s.text));
  const deeds = [firstAction, tasks.indexOf(true)].filter((x) => x >= 0);
  const firstDeed = deeds.length > 0 ? Math.min(...deeds) : -1;

  let section: Part | undefined;
  sentences.forEach((s, index) => {
    const label = labelOf(s.text);
    section = label ?? section;
    if (s.list) return;
    const text = assertedText(analysis, s);
    if (section && saysSomething(s)) add(section, index, s.text);
    const lesson = index > 0 && LESSON.test(s.text);
    const free = (part: Part) => !labelledParts.has(part);
    const task = free('task') && !s.denied && TASK.test(text);
    if (task) add('task', index, s.text);
    const action = actions[index] === true;
    if (free('action') && action && !task) add('action', index, s.text);
    const changed = RESULT.test(text) && MEASURABLE.test(text);
    // An action with its measured outcome ("…, which took two days") is already the result.
    // A story without deeds ("we didn't…") may still tell what followed.
    const afterActions =
      firstDeed >= 0 ? index > firstDeed || (index === firstDeed && changed) : index > 0 && sentences.length > 1;
    const result =
      explicit[index] === true ||
      lesson ||
      (afterActions &&
        (action || task
          ? STRONG_RESULT.test(text) || changed || (action && resultClause(analysis, s))
          : RESULT.test(text) || MEASURABLE.test(text)));
    if (free('result') && result) add('result', index, s.text);
    const inResult = ((label === 'result' || section === 'result') && saysSomething(s)) || (free('result') && result);
    if (inResult && MEASURABLE.test(text)) measured.add(index);
    const beforeActions = firstAction < 0 || index < firstAction;
    // Scene-setting may be told in the negative ("we had no locking").
    const situation =
      !s.fragment &&
      (!section || section === 'situation') &&
      (SITUATION.test(text) || (beforeActions && !task && !action && index < 3));
    if (free('situation') && situation && !result) add('situation', index, s.text);
  });

  const resultAt = firstIndex.get('result');
  const actionAt = firstIndex.get('action');
  const situationAt = firstIndex.get('situation');
  const measurableResult = measured.size > 0;
  const inOrder =
    (situationAt === undefined || actionAt === undefined || situationAt <= actionAt) &&
    (actionAt === undefined || resultAt === undefined || actionAt <= resultAt);
  const i = sentences.filter((s) => /\bI\b/u.test(s.text)).length;
  const we = sentences.filter((s) => /\bwe\b/iu.test(s.text)).length;

  const parts = PARTS.map((part) => ({ part, present: firstIndex.has(part), evidence: evidence.get(part) ?? null }));
  const advice = parts.filter((p) => !p.present).map((p) => ADVICE[p.part]);
  if (firstIndex.has('result') && !measurableResult) {
    advice.push('Give the result a number: minutes to recover, percent adopted, incidents since the fix.');
  }
  if (!inOrder) advice.push('Tell it in order: situation and task first, then your actions, then the result.');
  if (we >= 3 && we > 2 * i) {
    advice.push('Most sentences say "we": make clear what you did yourself with "I".');
  }
  return { parts, measurableResult, inOrder, firstPerson: { i, we }, advice };
}
