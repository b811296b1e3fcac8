/**
 * Where the practice pages keep progress, decided once per page load: the runner when it answers
 * with this browser's token, otherwise this browser's localStorage (review schedule only). The
 * status box (RunnerStatus.astro) says which, and how to start saving when nothing is saved.
 */
import { AttemptStoreClient, type RunnerStatus } from '../../interview/attempt-store-client.ts';
import { LocalSchedule } from '../../interview/local-schedule.ts';
import { ReviewScheduler } from '../../interview/review-scheduler.ts';
import type { ReviewCard } from '../../shared/interview-api.ts';

export interface PracticeProgress {
  status: RunnerStatus;
  /** Where ratings go: the runner, or this browser. */
  saving: 'runner' | 'browser';
  client: AttemptStoreClient;
  scheduler: ReviewScheduler;
  local: LocalSchedule;
  /** The review schedule from wherever it is kept; `problem` when it could not be read. */
  cards(): Promise<{ cards: ReviewCard[]; problem: string | null }>;
}

export async function connectProgress(): Promise<PracticeProgress> {
  const client = new AttemptStoreClient();
  const scheduler = new ReviewScheduler();
  const local = new LocalSchedule(window.localStorage, scheduler);
  const status = await client.probe();
  const saving = status.kind === 'connected' ? 'runner' : 'browser';
  const progress: PracticeProgress = {
    status,
    saving,
    client,
    scheduler,
    local,
    async cards() {
      if (saving === 'browser') return local.read();
      try {
        return { cards: await client.schedule(), problem: null };
      } catch (err) {
        return { cards: [], problem: `the review schedule could not be loaded: ${(err as Error).message}` };
      }
    },
  };
  showRunnerStatus(status);
  return progress;
}

function showRunnerStatus(status: RunnerStatus): void {
  const box = document.querySelector<HTMLElement>('[data-runner-status]');
  if (!box) return;
  const title = box.querySelector<HTMLElement>('[data-status-title]');
  const detail = box.querySelector<HTMLElement>('[data-status-detail]');
  if (!title || !detail) return;
  box.dataset['state'] = status.kind;
  const browserOnly =
    'Until then your review schedule is kept in this browser only (localStorage); answers and recordings are not stored.';
  switch (status.kind) {
    case 'connected':
      title.textContent = 'Progress is saved.';
      detail.textContent =
        'The runner is running: your answers, recordings and review schedule are stored in its data folder (DOJO_HOME) on this machine. Nothing leaves it.';
      break;
    case 'not-running':
      title.textContent = 'Progress is not being saved: the runner is not running.';
      detail.textContent = `You can browse and practise, but to keep answers, recordings and history, run "npm start" in the GitOps Dojo folder and open the URL it prints. ${browserOnly}`;
      break;
    case 'no-token':
      title.textContent = 'Progress is not being saved: this browser has not been given the runner’s token.';
      detail.textContent = `The runner is running but refuses this browser. Open the URL that "npm start" printed (it ends in ?token=…); the token is then kept in a cookie. ${browserOnly}`;
      break;
    case 'error':
      title.textContent = 'Progress is not being saved: the runner answered unexpectedly.';
      detail.textContent = `${status.message}. Restart it with "npm start" and reload this page. ${browserOnly}`;
      break;
  }
}

const DAY = 24 * 60 * 60 * 1000;

/** "due now", "due tomorrow", "next review in 3 days". */
export function dueText(card: ReviewCard, now: Date): string {
  const ms = Date.parse(card.due) - now.getTime();
  if (ms <= 0) return 'Due for review now';
  const days = Math.ceil(ms / DAY);
  if (days <= 1) return 'Next review tomorrow';
  return `Next review in ${days} days`;
}

/** "Thu, 5 Mar" in the learner's locale. */
export function shortDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}
