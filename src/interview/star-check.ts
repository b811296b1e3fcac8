/**
 * A STAR-structure check for behavioural answers: does the story have a Situation, a Task, the
 * Actions the speaker took, and a Result, ideally a measurable one?
 *
 * Each sentence is read for cues: an explicit label ("Situation:", "Result –") assigns it and
 * the sentences after it to that part; otherwise phrases typical of each part do ("at my last
 * company…", "I was asked to…", "I traced…", "as a result… 40 percent"). It is a structure
 * check, not a judgement of the story: the advice says what a listener would miss.
 */
import type { StarPart, StarReport } from '../shared/interview-api.ts';
import { answerSentences } from './talking-point-matcher/answer-tokens.ts';

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

const COUNT = String.raw`(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred)`;
const NUMBER = String.raw`(?:${COUNT}|a few|several|half|a third|a quarter)`;
const UNIT = String.raw`(?:%|percent|per cent|x\b|times|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|quarters?|years?|seconds?|secs?|ms|engineers|people|teams|services|incidents|outages|pipelines|deploy(?:s|ments)?|releases|tickets|prs|pull requests|requests|errors|alerts|pages|dollars|euros|pounds|k\b|gb|gib|mb)`;

const CUES: Record<Part, RegExp> = {
  situation: new RegExp(
    [
      String.raw`\bat (?:my|our|a|an|one) (?:last |previous |current |old |former )?(?:job|company|employer|role|team|startup|fintech|bank|retailer|client|scale-?up|agency|shop)`,
      String.raw`\bwe (?:had|ran|were running|were using|used to)\b`,
      String.raw`\bour (?:team|platform|company|pipeline|setup|stack|release|product)\b`,
      String.raw`\bthere (?:was|were)\b`,
      String.raw`\b(?:last|one|that) (?:year|quarter|month|week|friday|monday|tuesday|wednesday|thursday|day|night|morning|afternoon|evening)\b`,
      String.raw`\bon a (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|release day)\b`,
      String.raw`\bwhen i (?:was|joined|started)\b`,
      String.raw`\bi (?:was working|joined|worked)\b`,
      String.raw`\bthe (?:problem|issue|context|situation|pain) was\b`,
      String.raw`\ba (?:few|couple of) (?:years|months|weeks) ago\b`,
      String.raw`\bsituation\b`,
    ].join('|'),
    'iu',
  ),
  task: new RegExp(
    [
      String.raw`\bi was (?:asked|tasked|responsible|accountable|on[ -]?call|the on[ -]?call|on (?:platform |release |incident )?duty|the owner|the lead|in charge)\b`,
      String.raw`\bmy (?:job|task|goal|role|responsibility|brief|mission|aim) (?:was|became)\b`,
      String.raw`\b(?:i|we) (?:had|needed|wanted) to\b`,
      String.raw`\bthe (?:goal|aim|task|ask|brief) was\b`,
      String.raw`\bi (?:took (?:it )?on|took ownership|volunteered|owned|offered)\b`,
      String.raw`\bit was (?:my|on me) (?:job|call)\b|\bit was on me\b`,
      String.raw`\b(?:we|i) (?:defined|set) (?:success|a target|the goal)\b`,
    ].join('|'),
    'iu',
  ),
  action: new RegExp(
    [
      String.raw`\b(?:i|we) (?!(?:needed|wanted|asked|tasked|expected|supposed|joined|worked|learned|learnt|liked|loved|hated|felt|realised|realized)\b)(?:\w+ed|built|wrote|ran|set up|made|led|took|held|brought|found|chose|kept|sent|began|gave|met|paid|spent|told|split|shut|put|cut|read|rebuilt|rewrote|drove|went|did|started|proposed|pushed|paired|ship(?:ped)?)\b`,
      // Not "so I": "I was on call, so I had to…" is the task.
      String.raw`\b(?:first|then|next|after that|finally),? (?:i|we)\b`,
      String.raw`\b(?:i|we) (?:then|also|first)\b`,
    ].join('|'),
    'iu',
  ),
  result: new RegExp(
    [
      String.raw`\bas a result\b|\bthe result\b|\bresult(?:s|ed)? (?:was|were|in)\b`,
      String.raw`\bin the end\b|\bafterwards\b|\bsince then\b|\bfrom then on\b|\bby the end\b|\bended up\b|\boutcome\b`,
      String.raw`\b(?:reduced|cut|dropped|fell|improved|increased|decreased|halved|doubled|saved|shortened|eliminated|removed|went (?:from|down|up|to))\b`,
      String.raw`\bno (?:more|longer)\b|\bzero\b|\bhas(?:n't| not) (?:happened|recurred)\b`,
      String.raw`\bin hindsight\b|\blooking back\b|\bi learned\b|\bi learnt\b|\blesson\b`,
    ].join('|'),
    'iu',
  ),
};

const MEASURABLE = new RegExp(
  [
    String.raw`\b${NUMBER}\s*${UNIT}`,
    // "blocked four plans", "15 product teams": a count of something.
    String.raw`\b${COUNT}\s+(?:[a-z-]+\s+)?[a-z]{3,}s\b`,
    String.raw`\d\s*%`,
    String.raw`[$€£]\s?\d`,
    String.raw`\bfrom \S*\d\S* (?:\w+ )?to \S*\d`,
    String.raw`\b(?:zero|no) (?:incidents|outages|recurrences|orphaned|failed|failures|pages|tickets)\b`,
  ].join('|'),
  'iu',
);

const ADVICE: Record<Part, string> = {
  situation: 'Set the scene in one or two sentences: where, when, and what was at stake.',
  task: 'Say what you were responsible for: "My job was to…" or "I was on call, so I had to…".',
  action: 'Walk through what you did, in the first person and in order: "I read the lock info, then I…".',
  result: 'End with the outcome: what changed, in numbers, and what you would do differently.',
};

/** The STAR report for a written behavioural answer. */
export function checkStar(answer: string): StarReport {
  const sentences = answerSentences(answer);
  const firstIndex = new Map<Part, number>();
  const evidence = new Map<Part, string>();
  const labelOf = (text: string): Part | undefined => LABEL_PART[LABEL.exec(text)?.[1]?.toLowerCase() ?? ''];
  // Parts the speaker labelled are judged by their labels alone ("It saved the evening." inside
  // "Situation:" is not the result); parts never labelled are found by their cues.
  const labelledParts = new Set(sentences.map((s) => labelOf(s.text)).filter((p) => p !== undefined));
  let section: Part | undefined;
  sentences.forEach((sentence, index) => {
    section = labelOf(sentence.text) ?? section;
    const parts = new Set<Part>(section ? [section] : []);
    for (const part of PARTS) if (!labelledParts.has(part) && CUES[part].test(sentence.text)) parts.add(part);
    for (const part of parts) {
      if (!firstIndex.has(part)) {
        firstIndex.set(part, index);
        evidence.set(part, sentence.text);
      }
    }
  });

  const resultAt = firstIndex.get('result');
  const actionAt = firstIndex.get('action');
  const situationAt = firstIndex.get('situation');
  // Numbers count from the first action on: "at a company of 200 engineers" is scene-setting, not a result.
  const from = actionAt ?? resultAt ?? sentences.length;
  const measurableResult = sentences.slice(from).some((s) => MEASURABLE.test(s.text));
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
