/**
 * The practice panel's behaviour. One attempt goes: idle → answering (clock running, typing or
 * recording) → submitted (feedback shown, computed here with the same code the runner uses, and
 * the attempt saved when the runner is there) → rated (the schedule moved). "Answer again" goes
 * back to idle. Everything works with the keyboard alone: focus moves to the answer box on start
 * and to the feedback heading on submit; time warnings are announced politely.
 */
import { ApiError } from '../../interview/attempt-store-client.ts';
import type { Attempt, Feedback, ReviewCard, SelfRating } from '../../shared/interview-api.ts';
import type { InterviewEntry } from '../../shared/interview-entry.ts';
import { AnswerClock } from './practice-panel/answer-clock.ts';
import { AnswerRecorder, type RecordedAnswer } from './practice-panel/answer-recorder.ts';
import { clockText } from './practice-panel/element.ts';
import { renderFeedback } from './practice-panel/feedback-view.ts';
import { renderHistory } from './practice-panel/history-view.ts';
import { connectProgress, dueText, shortDate, type PracticeProgress } from './practice-progress.ts';

/**
 * The feedback engine (matcher, STAR check, wink-nlp and its English model) is a separate chunk,
 * loaded on first use: the page's own script stays small and the model is fetched only by learners
 * who answer.
 */
function loadFeedback(): Promise<typeof import('../../interview/answer-feedback-engine.ts')> {
  return import('../../interview/answer-feedback-engine.ts');
}

type ClientEntry = Pick<InterviewEntry, 'kind' | 'talkingPoints'> & { id: string };
type State = 'idle' | 'answering' | 'submitted' | 'rated';

const RATING_HELP: Record<SelfRating, string> = {
  again: 'I could not answer it',
  hard: 'I answered, with gaps',
  good: 'A solid answer',
  easy: 'Nailed it, no effort',
};

function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  return (err as Error).message;
}

function required<T extends Element>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`practice panel: expected an element ${selector} in the page`);
  return found;
}

export async function initPracticePanel(): Promise<void> {
  const root = document.querySelector<HTMLElement>('[data-practice]');
  if (!root) return;
  const entry = JSON.parse(root.dataset['entry'] ?? '{}') as ClientEntry;
  const $ = <T extends Element>(selector: string) => required<T>(root, selector);

  const setup = $<HTMLElement>('[data-setup]');
  const modeInputs = [...root.querySelectorAll<HTMLInputElement>('input[name="mode"]')];
  const methodInputs = [...root.querySelectorAll<HTMLInputElement>('input[name="method"]')];
  const timeLimit = $<HTMLSelectElement>('[data-time-limit]');
  const startButton = $<HTMLButtonElement>('[data-start]');
  const answerArea = $<HTMLElement>('[data-answer-area]');
  const timerLabel = $<HTMLElement>('[data-timer-label]');
  const timer = $<HTMLElement>('[data-timer]');
  const announcer = $<HTMLElement>('[data-announcer]');
  const textAnswer = $<HTMLElement>('[data-text-answer]');
  const answerText = $<HTMLTextAreaElement>('[data-answer-text]');
  const wordCount = $<HTMLElement>('[data-word-count]');
  const audioAnswer = $<HTMLElement>('[data-audio-answer]');
  const recordButton = $<HTMLButtonElement>('[data-record]');
  const recordStatus = $<HTMLElement>('[data-record-status]');
  const playback = $<HTMLAudioElement>('[data-playback]');
  const notes = $<HTMLTextAreaElement>('[data-answer-notes]');
  const answerError = $<HTMLElement>('[data-answer-error]');
  const submitButton = $<HTMLButtonElement>('[data-submit]');
  const aids = $<HTMLElement>('[data-aids]');
  const aidsHidden = $<HTMLElement>('[data-aids-hidden]');
  const feedbackSection = $<HTMLElement>('[data-feedback]');
  const feedbackHeading = $<HTMLElement>('#feedback-heading');
  const saveStatus = $<HTMLElement>('[data-save-status]');
  const suggested = $<HTMLElement>('[data-suggested]');
  const ratingButtons = [...root.querySelectorAll<HTMLButtonElement>('[data-rate]')];
  const ratingResult = $<HTMLElement>('[data-rating-result]');
  const afterRating = $<HTMLElement>('[data-after-rating]');
  const answerAgain = $<HTMLButtonElement>('[data-answer-again]');
  const historyStatus = $<HTMLElement>('[data-history-status]');
  const historyList = $<HTMLElement>('[data-history-list]');
  const audioUnavailable = $<HTMLElement>('[data-audio-unavailable]');
  const feedbackEls = {
    coverage: $<HTMLElement>('[data-coverage]'),
    warnings: $<HTMLElement>('[data-warnings]'),
    points: $<HTMLElement>('[data-points]'),
    highlighted: $<HTMLElement>('[data-highlighted]'),
    star: $<HTMLElement>('[data-star]'),
    starParts: $<HTMLElement>('[data-star-parts]'),
    starAdvice: $<HTMLElement>('[data-star-advice]'),
    length: $<HTMLElement>('[data-length]'),
  };

  let state: State = 'idle';
  let recorder: AnswerRecorder | null = null;
  let recorded: RecordedAnswer | null = null;
  let playbackUrl: string | null = null;
  let limitMs: number | null = null;
  let warnedLowTime = false;
  let saving: Promise<Attempt | null> = Promise.resolve(null);
  let card: ReviewCard | null = null;
  let progress: PracticeProgress | null = null;

  const mode = () => (modeInputs.find((i) => i.checked)?.value === 'interview' ? 'interview' : 'practice');
  const method = () => (methodInputs.find((i) => i.checked)?.value === 'audio' ? 'audio' : 'text');

  const clock = new AnswerClock(
    ({ elapsedMs, remainingMs }) => {
      timer.textContent = clockText(remainingMs ?? elapsedMs);
      if (remainingMs !== null && remainingMs <= 60_000 && !warnedLowTime && (limitMs ?? 0) > 60_000) {
        warnedLowTime = true;
        root.dataset['lowTime'] = 'true';
        announcer.textContent = 'One minute left.';
      }
    },
    () => {
      announcer.textContent = 'Time is up. Your answer was submitted.';
      void submit('time-up');
    },
  );

  // --- Setup --------------------------------------------------------------------------------------
  const unavailable = AnswerRecorder.unavailableReason();
  if (unavailable) {
    const audioInput = methodInputs.find((i) => i.value === 'audio');
    if (audioInput) audioInput.disabled = true;
    audioUnavailable.textContent = unavailable;
    audioUnavailable.hidden = false;
  }

  function showSetup(): void {
    const interview = mode() === 'interview';
    timeLimit.disabled = !interview || state === 'answering';
    // Interview mode has no aids until the answer is in.
    const aidsVisible = !interview || state === 'submitted' || state === 'rated';
    aids.hidden = !aidsVisible;
    aidsHidden.hidden = aidsVisible;
    textAnswer.hidden = method() !== 'text';
    audioAnswer.hidden = method() !== 'audio';
  }
  for (const input of [...modeInputs, ...methodInputs]) input.addEventListener('change', showSetup);
  showSetup();

  function setSetupEnabled(enabled: boolean): void {
    for (const input of setup.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) {
      input.disabled = !enabled || (input instanceof HTMLInputElement && input.value === 'audio' && unavailable !== null);
    }
    if (enabled) timeLimit.disabled = mode() !== 'interview';
  }

  answerText.addEventListener('input', () => {
    const words = answerText.value.match(/\S+/g)?.length ?? 0;
    wordCount.textContent = `${words} word${words === 1 ? '' : 's'}`;
  });

  // --- Answering ----------------------------------------------------------------------------------
  async function startRecording(): Promise<void> {
    recorder = new AnswerRecorder();
    recordButton.disabled = true;
    try {
      await recorder.start();
      recordButton.textContent = 'Stop recording';
      recordStatus.textContent = 'Recording… speak your answer, then press Stop recording.';
    } catch (err) {
      recorder = null;
      recordButton.textContent = 'Start recording';
      recordStatus.textContent = (err as Error).message;
    } finally {
      recordButton.disabled = false;
    }
  }

  async function stopRecording(): Promise<void> {
    if (!recorder?.recording) return;
    recordButton.disabled = true;
    try {
      recorded = await recorder.stop();
      if (playbackUrl) URL.revokeObjectURL(playbackUrl);
      playbackUrl = URL.createObjectURL(recorded.blob);
      playback.src = playbackUrl;
      playback.hidden = false;
      recordStatus.textContent = `Recorded ${clockText(recorded.durationMs)}. Listen back if you like, then submit, or record again.`;
    } catch (err) {
      recordStatus.textContent = (err as Error).message;
    } finally {
      recorder = null;
      recordButton.disabled = false;
      recordButton.textContent = recorded ? 'Record again' : 'Start recording';
    }
  }

  recordButton.addEventListener('click', () => {
    if (recorder?.recording) void stopRecording();
    else void startRecording();
  });
  window.addEventListener('pagehide', () => recorder?.release());

  startButton.addEventListener('click', () => {
    // Load the feedback code and its language model while the learner types (fetched once from this
    // site, about 1 MB compressed): submitting then shows feedback at once. Not while recording:
    // parsing the model takes the CPU for a second, which a recording should not compete with.
    // A failure here shows again, with its message, when the feedback is computed.
    if (method() !== 'audio') {
      loadFeedback()
        .then((m) => m.loadAnswerAnalyzer())
        .catch(() => undefined);
    }
    state = 'answering';
    recorded = null;
    warnedLowTime = false;
    delete root.dataset['lowTime'];
    answerError.textContent = '';
    answerText.value = '';
    notes.value = '';
    answerText.readOnly = false;
    notes.readOnly = false;
    wordCount.textContent = '0 words';
    playback.hidden = true;
    playback.removeAttribute('src');
    recordStatus.textContent = '';
    recordButton.textContent = 'Start recording';
    feedbackSection.hidden = true;
    afterRating.hidden = true;
    announcer.textContent = '';
    limitMs = mode() === 'interview' ? Number(timeLimit.value) * 1000 : null;
    timerLabel.textContent = limitMs === null ? 'Elapsed' : 'Time left';
    setSetupEnabled(false);
    startButton.disabled = true;
    submitButton.disabled = false;
    answerArea.hidden = false;
    showSetup();
    clock.start(limitMs);
    if (method() === 'audio') {
      recordButton.focus();
      void startRecording();
    } else {
      answerText.focus();
    }
  });

  submitButton.addEventListener('click', () => void submit('button'));

  // --- Submitting ---------------------------------------------------------------------------------
  async function submit(reason: 'button' | 'time-up'): Promise<void> {
    if (state !== 'answering') return;
    const audio = method() === 'audio';
    if (reason === 'button') {
      if (!audio && !answerText.value.trim()) {
        answerError.textContent = 'Write your answer first (or wait for the time to run out).';
        answerText.focus();
        return;
      }
      if (audio && !recorded && !recorder?.recording) {
        answerError.textContent = 'Record your answer first: press Start recording.';
        recordButton.focus();
        return;
      }
    }
    state = 'submitted';
    const elapsed = clock.stop();
    // What was submitted stays on screen, but edits would not be saved: start a new answer instead.
    answerText.readOnly = true;
    notes.readOnly = true;
    timerLabel.textContent = 'Answered in';
    timer.textContent = clockText(elapsed);
    submitButton.disabled = true;
    answerError.textContent = '';
    if (audio) await stopRecording();
    const answerKind = audio && recorded ? 'audio' : 'text';
    const text = audio ? notes.value : answerText.value;
    const durationMs = answerKind === 'audio' && recorded ? recorded.durationMs : elapsed;
    let feedback: Feedback;
    try {
      feedback = await (await loadFeedback()).answerFeedback(entry, { text, answerKind, durationMs });
    } catch (err) {
      // The feedback chunk or its model could not load (the site was rebuilt, the runner stopped):
      // say so instead of leaving the page waiting.
      answerError.textContent = `The feedback could not be computed (${(err as Error).message}). Reload the page and submit again.`;
      submitButton.disabled = false;
      return;
    }

    renderFeedback(feedbackEls, entry.talkingPoints, feedback, text);
    showRating(feedback);
    showSetup();
    feedbackSection.hidden = false;
    startButton.disabled = false;
    startButton.textContent = 'Start a new answer';
    setSetupEnabled(true);
    feedbackHeading.focus();

    saving = save(answerKind, text, durationMs, recorded);
  }

  async function save(
    answerKind: 'text' | 'audio',
    text: string,
    durationMs: number,
    recording: RecordedAnswer | null,
  ): Promise<Attempt | null> {
    const p = progress ?? (await progressReady);
    if (p.saving !== 'runner') {
      saveStatus.textContent =
        'This answer is not saved: the runner is not running (see the note at the top). Your rating goes to this browser’s review schedule.';
      return null;
    }
    saveStatus.textContent = 'Saving…';
    try {
      const attempt = await p.client.createAttempt({
        questionId: entry.id,
        mode: mode(),
        answerKind,
        answerText: text,
        durationMs: Math.round(durationMs),
        timeLimitMs: limitMs,
        at: new Date().toISOString(),
      });
      if (recording && answerKind === 'audio') {
        saveStatus.textContent = 'Saving the recording…';
        await p.client.uploadRecording(attempt.id, recording.blob, recording.durationMs);
      }
      saveStatus.textContent = 'Saved to the runner, on this machine.';
      void refreshHistory();
      return attempt;
    } catch (err) {
      saveStatus.textContent = `Not saved: ${describeError(err)}`;
      return null;
    }
  }

  // --- Rating -------------------------------------------------------------------------------------
  function showRating(feedback: Feedback): void {
    const p = progress;
    const now = new Date();
    const previews = p?.scheduler.preview(entry.id, card, now);
    for (const button of ratingButtons) {
      const rating = button.dataset['rate'] as SelfRating;
      button.disabled = false;
      button.setAttribute('aria-pressed', 'false');
      const preview = button.querySelector<HTMLElement>('[data-preview]');
      const next = previews?.[rating];
      if (preview) preview.textContent = ` ${RATING_HELP[rating]}${next ? `; back ${shortDate(next.due)}` : ''}`;
    }
    suggested.textContent = feedback.suggestedRating
      ? `From the talking points you hit, “${feedback.suggestedRating}” fits; you know better.`
      : 'Listen back to your recording against the talking points, then rate it.';
    ratingResult.textContent = '';
  }

  for (const button of ratingButtons) {
    button.addEventListener('click', () => void rate(button.dataset['rate'] as SelfRating, button));
  }

  async function rate(rating: SelfRating, button: HTMLButtonElement): Promise<void> {
    if (state !== 'submitted') return;
    state = 'rated';
    for (const b of ratingButtons) b.disabled = true;
    button.setAttribute('aria-pressed', 'true');
    ratingResult.textContent = 'Saving your rating…';
    const p = progress ?? (await progressReady);
    const at = new Date();
    try {
      const attempt = await saving;
      let where: string;
      if (p.saving === 'runner' && attempt) {
        card = (await p.client.rate(attempt.id, rating, at)).card;
        where = 'Saved to the runner.';
        void refreshHistory();
      } else {
        card = p.local.rate(entry.id, rating, at);
        where = 'Kept in this browser only (localStorage).';
      }
      ratingResult.textContent = `Rated “${rating}”. ${dueText(card, at)} (${shortDate(card.due)}). ${where}`;
      afterRating.hidden = false;
    } catch (err) {
      state = 'submitted';
      for (const b of ratingButtons) b.disabled = false;
      button.setAttribute('aria-pressed', 'false');
      ratingResult.textContent = `The rating was not saved: ${describeError(err)}`;
    }
  }

  answerAgain.addEventListener('click', () => {
    feedbackSection.hidden = true;
    answerArea.hidden = true;
    state = 'idle';
    showSetup();
    startButton.focus();
  });

  // --- History ------------------------------------------------------------------------------------
  async function refreshHistory(): Promise<void> {
    const p = progress ?? (await progressReady);
    if (p.saving !== 'runner') {
      historyStatus.textContent = 'Attempts are kept by the runner; start it with "npm start" to keep a history.';
      historyList.replaceChildren();
      return;
    }
    try {
      const attempts = await p.client.history(entry.id);
      historyStatus.textContent =
        attempts.length === 0
          ? 'No attempts yet.'
          : `${attempts.length} attempt${attempts.length === 1 ? '' : 's'}, newest first.`;
      renderHistory(historyList, attempts, {
        deleteRecording: (a) => {
          if (!confirm('Delete this recording? The audio file is removed from this machine.')) return;
          void p.client
            .deleteRecording(a.id)
            .then(refreshHistory)
            .then(() => {
              historyStatus.textContent = 'Recording deleted.';
            })
            .catch((err: unknown) => {
              historyStatus.textContent = `Not deleted: ${describeError(err)}`;
            });
        },
        deleteAttempt: (a) => {
          if (!confirm('Delete this attempt and its recording? Its rating stays in the review schedule.')) return;
          void p.client
            .deleteAttempt(a.id)
            .then(refreshHistory)
            .catch((err: unknown) => {
              historyStatus.textContent = `Not deleted: ${describeError(err)}`;
            });
        },
      });
    } catch (err) {
      historyStatus.textContent = `The history could not be loaded: ${describeError(err)}`;
    }
  }

  const progressReady = connectProgress();
  progress = await progressReady;
  const schedule = await progress.cards();
  card = schedule.cards.find((c) => c.questionId === entry.id) ?? null;
  if (schedule.problem) historyStatus.textContent = schedule.problem;
  root.dataset['ready'] = 'true';
  await refreshHistory();
}
