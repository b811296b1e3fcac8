/**
 * Everything the page says after an answer, computed the same way in the browser (instantly, and
 * when the runner is not running) and in the runner (which stores it with the attempt):
 * talking points hit, negated, partly covered and missed, each with a one-line reason; a STAR
 * check for behavioural questions; length against a target, and a recording's duration; the
 * self-rating the coverage suggests; a warning when the answer is mostly a list of terms.
 *
 * Both the matcher and the STAR check read the same analysis of the answer (./answer-analysis.ts),
 * whose language model loads on the first call (`answerFeedback` is async for that reason alone;
 * `feedbackWith` is the synchronous core for callers that hold an analyzer).
 */
import type { AnswerKind, Feedback, LengthReport, SelfRating } from '../shared/interview-api.ts';
import type { InterviewEntry } from '../shared/interview-entry.ts';
import { loadAnswerAnalyzer, type AnswerAnalyzer } from './answer-analysis.ts';
import { checkStar } from './star-check.ts';
import { matchTalkingPoints } from './talking-point-matcher.ts';

/** A comfortable interview speaking pace. */
export const WORDS_PER_MINUTE = 140;

const TARGETS = {
  technical: { minWords: 120, maxWords: 350, minSeconds: 60, maxSeconds: 180 },
  behavioural: { minWords: 180, maxWords: 450, minSeconds: 90, maxSeconds: 240 },
} as const;

export interface AnswerInput {
  text: string;
  answerKind: AnswerKind;
  /** For recordings: their length. */
  durationMs: number;
}

function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’_./=-]*/gu)?.length ?? 0;
}

function lengthReport(kind: InterviewEntry['kind'], answer: AnswerInput): LengthReport {
  const t = TARGETS[kind];
  const words = countWords(answer.text);
  const verdict = words === 0 ? 'empty' : words < t.minWords ? 'short' : words > t.maxWords ? 'long' : 'ok';
  const estimatedSpokenSeconds = Math.round((words / WORDS_PER_MINUTE) * 60);
  const seconds = answer.durationMs / 1000;
  const duration =
    answer.answerKind === 'audio'
      ? {
          seconds,
          target: { minSeconds: t.minSeconds, maxSeconds: t.maxSeconds },
          verdict: seconds < t.minSeconds ? ('short' as const) : seconds > t.maxSeconds ? ('long' as const) : ('ok' as const),
        }
      : null;
  let advice: string;
  if (duration) {
    advice =
      duration.verdict === 'short'
        ? `Under ${t.minSeconds} seconds is thin for a ${kind} question: add the mechanism, an example and a trade-off.`
        : duration.verdict === 'long'
          ? `Over ${t.maxSeconds / 60} minutes loses the listener: lead with the answer, then give one example.`
          : `A good length for a ${kind} answer (${t.minSeconds / 60}–${t.maxSeconds / 60} minutes).`;
    if (words === 0) advice += ' Type notes or a transcript next to a recording to get talking-point feedback.';
  } else {
    advice =
      verdict === 'empty'
        ? 'No answer was written.'
        : verdict === 'short'
          ? `Short: aim for ${t.minWords}–${t.maxWords} words. ${
              kind === 'behavioural'
                ? 'Tell the whole story: the situation, what you did, and the result.'
                : 'Add the mechanism, a concrete example and a trade-off.'
            }`
          : verdict === 'long'
            ? `Long: over ${t.maxWords} words is more than an interviewer wants to hear at once. Lead with the answer and cut detail.`
            : `A good length for a ${kind} answer (${t.minWords}–${t.maxWords} words).`;
  }
  return {
    words,
    estimatedSpokenSeconds,
    target: { minWords: t.minWords, maxWords: t.maxWords },
    verdict,
    duration,
    advice,
  };
}

function suggestRating(hit: number, total: number, answer: AnswerInput): SelfRating | null {
  if (answer.answerKind === 'audio' && countWords(answer.text) === 0) return null;
  const share = hit / total;
  if (share < 0.34) return 'again';
  if (share < 0.6) return 'hard';
  if (share < 0.85) return 'good';
  return 'easy';
}

/** Past this share of its words in keyword lists, an answer is told so. */
const LIST_WARNING_SHARE = 0.4;

/** The feedback for one answer to one question bank entry, with an analyzer already loaded. */
export function feedbackWith(
  analyzer: AnswerAnalyzer,
  entry: Pick<InterviewEntry, 'kind' | 'talkingPoints'> & Partial<Pick<InterviewEntry, 'question'>>,
  answer: AnswerInput,
): Feedback {
  const analysis = analyzer.analyze(answer.text);
  const points = matchTalkingPoints(analysis, entry.talkingPoints, entry.question);
  const hit = points.filter((p) => p.status === 'hit').length;
  const total = entry.talkingPoints.length;
  const warnings: string[] = [];
  if (analysis.listShare >= LIST_WARNING_SHARE) {
    warnings.push(
      `About ${Math.round(analysis.listShare * 100)} % of this answer is a list of terms. Terms named in a list count as partly covered at most: say in sentences what each one does and why.`,
    );
  }
  return {
    points,
    coverage: { hit, total },
    star: entry.kind === 'behavioural' ? checkStar(analysis) : null,
    length: lengthReport(entry.kind, answer),
    suggestedRating: suggestRating(hit, total, answer),
    warnings,
  };
}

/** The feedback for one answer to one question bank entry (loads the language model on first use). */
export async function answerFeedback(
  entry: Pick<InterviewEntry, 'kind' | 'talkingPoints'> & Partial<Pick<InterviewEntry, 'question'>>,
  answer: AnswerInput,
): Promise<Feedback> {
  return feedbackWith(await loadAnswerAnalyzer(), entry, answer);
}
