/**
 * Filters the question bank in place and marks what is due for review. Filters live in the
 * address (?topic=locking&level=mid&show=due) so a selection can be bookmarked, and "Back" works.
 */
import { connectProgress, dueText } from './practice-progress.ts';

const FILTERS = ['topic', 'level', 'kind', 'show'] as const;
type Filter = (typeof FILTERS)[number];

export async function initQuestionBank(): Promise<void> {
  const form = document.querySelector<HTMLFormElement>('[data-bank-filters]');
  const summary = document.querySelector<HTMLElement>('[data-bank-summary]');
  const empty = document.querySelector<HTMLElement>('[data-bank-empty]');
  const nextWrap = document.querySelector<HTMLElement>('[data-next-due-wrap]');
  const nextLink = document.querySelector<HTMLAnchorElement>('[data-next-due]');
  const items = [...document.querySelectorAll<HTMLLIElement>('li[data-question]')];
  if (!form || !summary || !empty || !nextWrap || !nextLink) return;
  const select = (name: Filter) => form.elements.namedItem(name) as HTMLSelectElement;

  // Filters from the address first, so the list never flashes unfiltered.
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value !== null && [...select(name).options].some((o) => o.value === value)) select(name).value = value;
  }
  form.addEventListener('submit', (event) => event.preventDefault());

  let due = new Set<string>();
  let rated = new Set<string>();
  let scheduleKnown = false;

  // An arrow function, not a declaration: the null checks above still narrow inside it.
  const apply = (): void => {
    const [topic, level, kind, show] = FILTERS.map((name) => select(name).value);
    let shown = 0;
    for (const li of items) {
      const id = li.dataset['question'] ?? '';
      const visible =
        (!topic || (li.dataset['topics'] ?? '').split(' ').includes(topic)) &&
        (!level || li.dataset['level'] === level) &&
        (!kind || li.dataset['kind'] === kind) &&
        (show !== 'due' || due.has(id)) &&
        (show !== 'new' || !rated.has(id)) &&
        (show !== 'drill' || li.dataset['drill'] === 'true');
      li.hidden = !visible;
      if (visible) shown++;
    }
    empty.hidden = shown > 0;
    const dueNote = scheduleKnown ? ` ${due.size} due for review.` : '';
    summary.textContent = `Showing ${shown} of ${items.length} questions.${dueNote}`;
    const url = new URL(location.href);
    for (const name of FILTERS) {
      const value = select(name).value;
      if (value) url.searchParams.set(name, value);
      else url.searchParams.delete(name);
    }
    history.replaceState(null, '', url);
  };

  form.addEventListener('change', apply);
  apply();

  const progress = await connectProgress();
  const { cards } = await progress.cards();
  const now = progress.scheduler.now();
  const byId = new Map(cards.map((c) => [c.questionId, c]));
  rated = new Set(byId.keys());
  const dueCards = progress.scheduler.due(cards, now).filter((c) => items.some((li) => li.dataset['question'] === c.questionId));
  due = new Set(dueCards.map((c) => c.questionId));
  scheduleKnown = true;
  for (const li of items) {
    const status = li.querySelector<HTMLElement>('[data-due-status]');
    const card = byId.get(li.dataset['question'] ?? '');
    if (!status) continue;
    status.textContent = card ? dueText(card, now) : '';
    status.dataset['due'] = String(card !== undefined && due.has(card.questionId));
  }
  const first = dueCards[0];
  if (first) {
    nextLink.href = `/interview/${first.questionId}/`;
    nextWrap.hidden = false;
  }
  apply();
}
