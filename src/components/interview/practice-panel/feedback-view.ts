/**
 * Shows an answer's feedback: coverage, a warning when the answer is mostly a list of terms, each
 * talking point with its verdict (hit, negated, partly covered, missed) and the matcher's one-line
 * reason (which words counted and why, or why a mention did not count), the answer with its
 * mentions highlighted, the STAR check and the length.
 */
import { highlightSegments } from '../../../interview/highlight-segments.ts';
import type { Feedback, PointResult, StarPart } from '../../../shared/interview-api.ts';
import type { TalkingPoint } from '../../../shared/interview-entry.ts';
import { clockText, element } from './element.ts';

export interface FeedbackElements {
  coverage: HTMLElement;
  warnings: HTMLElement;
  points: HTMLElement;
  highlighted: HTMLElement;
  star: HTMLElement;
  starParts: HTMLElement;
  starAdvice: HTMLElement;
  length: HTMLElement;
}

const STATUS_TEXT: Record<PointResult['status'], string> = {
  hit: '✓ Hit',
  negated: '~ Negated',
  partial: '◐ Partly',
  missed: '✗ Missed',
};

const STAR_TEXT: Record<StarPart['part'], string> = {
  situation: 'Situation',
  task: 'Task',
  action: 'Action',
  result: 'Result',
};

function pointItem(result: PointResult, point: TalkingPoint): HTMLLIElement {
  // Attempts stored before reasons existed have none: say what the status means instead.
  const detail =
    result.reason ||
    (result.status === 'hit'
      ? 'Counted.'
      : result.status === 'negated'
        ? 'Mentioned only in a negated clause, so it does not count.'
        : `Not found. Phrases looked for: ${point.match.join(', ')}`);
  return element(
    'li',
    { 'data-status': result.status, 'data-point': result.id },
    element('span', { class: 'status' }, STATUS_TEXT[result.status]),
    point.point,
    element('span', { class: 'detail' }, detail),
  );
}

export function renderFeedback(
  els: FeedbackElements,
  points: readonly TalkingPoint[],
  feedback: Feedback,
  text: string,
): void {
  const { hit, total } = feedback.coverage;
  els.coverage.textContent = `You hit ${hit} of ${total} talking points.`;
  els.warnings.replaceChildren(...feedback.warnings.map((w) => element('p', { class: 'warning' }, w)));
  els.warnings.hidden = feedback.warnings.length === 0;

  const byId = new Map(points.map((p) => [p.id, p]));
  // Hits first, then negated, then missed: what to keep, then what to fix.
  const order = { hit: 0, partial: 1, negated: 2, missed: 3 } as const;
  const sorted = [...feedback.points].sort((a, b) => order[a.status] - order[b.status]);
  els.points.replaceChildren(
    ...sorted.flatMap((r) => {
      const point = byId.get(r.id);
      return point ? [pointItem(r, point)] : [];
    }),
  );

  if (text.trim()) {
    els.highlighted.replaceChildren(
      ...highlightSegments(text, feedback.points).map((s) => {
        if (s.hits.length === 0 && s.negated.length === 0 && s.named.length === 0) {
          return document.createTextNode(s.text);
        }
        const names = [...s.hits, ...s.negated, ...s.named].map((id) => byId.get(id)?.point ?? id).join('; ');
        const kind = s.hits.length > 0 ? 'hit' : s.negated.length > 0 ? 'negated' : 'named';
        const title = {
          hit: names,
          negated: `Negated, not counted: ${names}`,
          named: `Named, not explained (partly covered): ${names}`,
        }[kind];
        return element('mark', { class: kind, title }, s.text);
      }),
    );
  } else {
    els.highlighted.replaceChildren(element('span', { class: 'muted' }, 'No typed text to highlight.'));
  }

  if (feedback.star) {
    els.star.hidden = false;
    els.starParts.replaceChildren(
      ...feedback.star.parts.map((p) =>
        element(
          'li',
          {},
          `${p.present ? '✓' : '✗'} ${STAR_TEXT[p.part]}: `,
          p.present && p.evidence ? element('q', {}, p.evidence) : 'not found',
        ),
      ),
      element(
        'li',
        {},
        `${feedback.star.measurableResult ? '✓' : '✗'} Measurable result: ${
          feedback.star.measurableResult ? 'the result names a number' : 'no number in the result'
        }`,
      ),
    );
    els.starAdvice.replaceChildren(...feedback.star.advice.map((a) => element('li', {}, a)));
  } else {
    els.star.hidden = true;
  }

  const length = feedback.length;
  const parts = [
    length.duration ? `Recording: ${clockText(length.duration.seconds * 1000)}.` : null,
    length.words > 0
      ? `${length.words} word${length.words === 1 ? '' : 's'}, about ${clockText(length.estimatedSpokenSeconds * 1000)} spoken.`
      : null,
    length.advice,
  ];
  els.length.textContent = parts.filter((p) => p !== null).join(' ');
}
