/**
 * A question's earlier attempts: when, how, coverage, rating, the answer text, and the recording
 * with a delete button (recordings are the learner's voice; deleting one removes the file).
 */
import type { Attempt } from '../../../shared/interview-api.ts';
import { clockText, element } from './element.ts';

export interface HistoryActions {
  deleteRecording(attempt: Attempt): void;
  deleteAttempt(attempt: Attempt): void;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function renderHistory(list: HTMLElement, attempts: readonly Attempt[], actions: HistoryActions): void {
  list.replaceChildren(
    ...attempts.map((a) => {
      const summary = [
        a.mode === 'interview' ? `interview mode (${clockText(a.timeLimitMs ?? 0)} limit)` : 'practice mode',
        a.answerKind === 'audio' ? 'recorded' : 'typed',
        `${a.feedback.coverage.hit} of ${a.feedback.coverage.total} talking points`,
        `took ${clockText(a.durationMs)}`,
        a.rating ? `rated ${a.rating}` : 'not rated',
      ].join(' · ');
      const deleteRecording = element('button', { type: 'button' }, 'Delete recording');
      deleteRecording.addEventListener('click', () => actions.deleteRecording(a));
      const deleteAttempt = element('button', { type: 'button' }, 'Delete attempt');
      deleteAttempt.addEventListener('click', () => actions.deleteAttempt(a));
      const audio = a.recording
        ? element('audio', {
            controls: '',
            preload: 'none',
            src: a.recording.url,
            'aria-label': `Recording from ${when(a.createdAt)}`,
          })
        : null;
      return element(
        'li',
        { 'data-attempt': a.id },
        element('time', { datetime: a.createdAt }, when(a.createdAt)),
        ` · ${summary}`,
        a.answerText.trim()
          ? element(
              'details',
              {},
              element('summary', {}, a.answerKind === 'audio' ? 'Notes' : 'Answer'),
              element('p', { class: 'answer-text' }, a.answerText),
            )
          : null,
        audio,
        element('span', { class: 'actions' }, a.recording ? deleteRecording : null, deleteAttempt),
      );
    }),
  );
}
