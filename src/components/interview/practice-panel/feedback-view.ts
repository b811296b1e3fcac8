/**
 * Shows an answer's feedback: coverage, each talking point (hit with the words that matched,
 * negated with the clause that denied it, missed with the phrases looked for), the answer with
 * its mentions highlighted, the STAR check and the length.
 */
import { highlightSegments } from '../../../interview/highlight-segments.ts';
import type { Feedback, PointResult, StarPart } from '../../../shared/interview-api.ts';
import type { TalkingPoint } from '../../../shared/interview-entry.ts';
import { clockText, element } from './element.ts';

export interface FeedbackElements {
  coverage: HTMLElement;
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
  missed: '✗ Missed',
};

const STAR_TEXT: Record<StarPart['part'], string> = {
  situation: 'Situation',
  task: 'Task',
  action: 'Action',
  result: 'Result',
};

/** The words around a mention, trimmed to whole words: "…we did not use a lock table…". */
function excerpt(text: string, start: number, end: number): string {
  const from = Math.max(0, text.lastIndexOf(' ', Math.max(0, start - 25)));
  const toSpace = text.indexOf(' ', Math.min(text.length, end + 15));
  const to = toSpace < 0 ? text.length : toSpace;
  return `${from > 0 ? '…' : ''}${text.slice(from, to).trim().replace(/\s+/g, ' ')}${to < text.length ? '…' : ''}`;
}

function pointItem(result: PointResult, point: TalkingPoint, text: string): HTMLLIElement {
  let detail: string;
  if (result.status === 'hit') {
    const counted = result.mentions.filter((m) => !m.negated);
    detail = `Matched: ${counted
      .slice(0, 3)
      .map((m) => `“${text.slice(m.start, m.end)}”`)
      .join(', ')}`;
  } else if (result.status === 'negated') {
    const m = result.mentions[0];
    detail = m
      ? `Mentioned only in a negated clause, so it does not count: “${excerpt(text, m.start, m.end)}”`
      : 'Mentioned only in a negated clause.';
  } else {
    detail = `Not found. Phrases looked for: ${point.match.join(', ')}`;
  }
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

  const byId = new Map(points.map((p) => [p.id, p]));
  // Hits first, then negated, then missed: what to keep, then what to fix.
  const order = { hit: 0, negated: 1, missed: 2 } as const;
  const sorted = [...feedback.points].sort((a, b) => order[a.status] - order[b.status]);
  els.points.replaceChildren(
    ...sorted.flatMap((r) => {
      const point = byId.get(r.id);
      return point ? [pointItem(r, point, text)] : [];
    }),
  );

  if (text.trim()) {
    els.highlighted.replaceChildren(
      ...highlightSegments(text, feedback.points).map((s) => {
        if (s.hits.length === 0 && s.negated.length === 0) return document.createTextNode(s.text);
        const names = [...s.hits, ...s.negated].map((id) => byId.get(id)?.point ?? id).join('; ');
        return element(
          'mark',
          {
            class: s.hits.length > 0 ? 'hit' : 'negated',
            title: s.hits.length > 0 ? names : `Negated, not counted: ${names}`,
          },
          s.text,
        );
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
