/**
 * The lab page's behaviour: step badges from saved progress, Check, the hint ladder, solution
 * reveal/apply, setup and reset. All server data is rendered with textContent (never innerHTML):
 * check messages quote learner-controlled strings such as resource names.
 */
import { stepResultSchema, type StepResult } from '../../shared/check-result.ts';
import {
  hintRevealSchema,
  labApi,
  labProgressSchema,
  REBUILD_LABEL,
  resetResultSchema,
  scriptRunSchema,
  solutionRevealSchema,
  type StepProgress,
} from '../../shared/lab-api.ts';
import type { z } from 'zod';
import { announceSignedOut, SIGNED_OUT_EVENT, SIGNED_OUT_MESSAGE } from '../runner-access.ts';
import { FOCUS_TERMINAL_EVENT } from './terminal-element.ts';

const root = document.querySelector<HTMLElement>('[data-lab-page]');
const lab = root?.dataset['lab'] ?? '';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

class ApiError extends Error {}

async function call<S extends z.ZodType>(url: string, schema: S, method = 'GET'): Promise<z.output<S>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: method === 'GET' ? {} : { 'Content-Type': 'application/json' },
      body: method === 'GET' ? null : '{}',
    });
  } catch {
    throw new ApiError('The runner is not answering. Is "npm start" still running?');
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const b = body as { error?: string; hint?: string } | null;
    if (res.status === 401) {
      announceSignedOut();
      throw new ApiError(SIGNED_OUT_MESSAGE);
    }
    throw new ApiError(`${b?.error ?? `HTTP ${res.status}`}${b?.hint ? `. ${b.hint}` : ''}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(`Unexpected answer from the runner for ${url}`);
  return parsed.data;
}

function setBadge(section: HTMLElement, status: StepProgress['status']): void {
  const badge = section.querySelector<HTMLElement>('.badge.status');
  if (!badge) return;
  badge.dataset['status'] = status;
  badge.textContent = { 'not-started': 'not started', pass: 'passed', fail: 'not yet', error: 'could not check' }[
    status
  ];
  showCompletion();
}

/**
 * The lab is complete when every step's badge says passed; the header says so. The link under the
 * terminal points at the first step not passed yet (the one the learner is working on).
 */
function showCompletion(): void {
  const sections = [...document.querySelectorAll<HTMLElement>('section[data-step]')];
  const passed = (s: HTMLElement) => s.querySelector<HTMLElement>('.badge.status')?.dataset['status'] === 'pass';
  const done = sections.length > 0 && sections.every(passed);
  const banner = document.querySelector<HTMLElement>('[data-lab-complete]');
  if (banner) banner.hidden = !done;
  const current = sections.find((s) => !passed(s));
  const link = document.querySelector<HTMLAnchorElement>('[data-current-step-link]');
  if (link && current) {
    link.href = `#${current.id}`;
    link.textContent = `Back to step ${sections.indexOf(current) + 1}: ${
      current
        .querySelector('h2')
        ?.textContent?.replace(/^\s*\d+\.\s*/, '')
        .trim() ?? ''
    }`;
  } else if (link) {
    link.href = '#main';
    link.textContent = 'Back to the top of the lab';
  }
}

/** Reveals the first `revealed` rungs of the ladder (the texts are in the page, hidden). */
function showHints(section: HTMLElement, revealed: number): void {
  const list = section.querySelector<HTMLOListElement>('.hints');
  const items = [...(list?.querySelectorAll('li') ?? [])];
  items.forEach((li, i) => (li.hidden = i >= revealed));
  if (list) list.hidden = revealed === 0;
  const count = section.querySelector('[data-hint-count]');
  if (count) count.textContent = `${Math.min(revealed, items.length)}/${items.length}`;
}

/**
 * Shows a check result in the step's box. A background re-check (keepNotice) keeps the notice of
 * the learner's last rebuild or reset above it: where the old workspace went must not vanish
 * because a file changed a second later.
 */
function showResult(section: HTMLElement, result: StepResult, keepNotice = false): void {
  const box = section.querySelector<HTMLElement>('.result');
  if (!box) return;
  const notice = keepNotice ? box.querySelector<HTMLElement>('[data-notice]') : null;
  const heading = el(
    'p',
    result.status === 'pass'
      ? 'PASS: every check agrees.'
      : result.status === 'fail'
        ? 'Not yet:'
        : 'The check could not run:',
    `result-${result.status}`,
  );
  const items = result.assertions.map((a) => {
    const li = el('li', undefined, a.ok ? 'ok' : 'failed');
    li.append(el('span', a.ok ? '✓ ' : '✗ ', 'mark'), el('span', a.message));
    if (!a.ok) {
      const dl = el('dl');
      dl.append(el('dt', 'expected'), el('dd', a.expected), el('dt', 'found'), el('dd', a.found));
      if (a.hint) dl.append(el('dt', 'how to fix'), el('dd', a.hint));
      li.append(dl);
    }
    return li;
  });
  const parts: HTMLElement[] = [heading];
  if (result.message) parts.push(el('p', result.message, 'error-message'));
  if (items.length) {
    const ul = el('ul', undefined, 'assertions');
    ul.append(...items);
    parts.push(ul);
  }
  if (result.status !== 'pass' && result.message?.includes(`"${REBUILD_LABEL}"`)) {
    // The runner says the sandbox lost what earlier steps built: one click replays them.
    const rebuild = el('button', REBUILD_LABEL);
    rebuild.type = 'button';
    rebuild.dataset['action'] = 'rebuild';
    parts.push(rebuild);
  }
  parts.push(el('p', `Checked in ${result.durationMs} ms.`, 'muted'));
  box.replaceChildren(...(notice ? [notice] : []), ...parts);
  setBadge(section, result.status);
}

/** The progress last loaded: which step a rebuild resets to, which passes to re-verify. */
let lastProgress: StepProgress[] = [];
/** The sandbox's data epochs already re-verified against (once each). */
const verifiedSince = new Set<string>();

/**
 * Re-checks the steps that passed before the data the sandbox holds now began (it restarted empty:
 * LocalStack, or moto's kept data moved away): their badges show what is true now, not an old pass.
 */
async function reverify(dataSince: string | undefined): Promise<void> {
  if (!dataSince || verifiedSince.has(dataSince) || !lastProgress.length) return;
  verifiedSince.add(dataSince);
  const since = Date.parse(dataSince);
  for (const s of lastProgress) {
    if (s.status !== 'pass' || !s.passedAt || Date.parse(s.lastPassedAt ?? s.passedAt) >= since) continue;
    const section = document.querySelector<HTMLElement>(`[data-step="${CSS.escape(s.step)}"]`);
    if (!section) continue;
    try {
      showResult(section, await call(labApi.step(lab, s.step, 'check'), stepResultSchema, 'POST'));
    } catch (err) {
      showMessage(section, err instanceof Error ? err.message : String(err));
    }
  }
}

function showMessage(section: HTMLElement, text: string, cls = 'error-message', output?: string, notice = false): void {
  const box = section.querySelector<HTMLElement>('.result');
  if (!box) return;
  const message = el('p', text, cls);
  if (notice) message.dataset['notice'] = '';
  const parts: HTMLElement[] = [message];
  if (output) {
    const pre = el('pre');
    // Output lines can be wider than the column: focusable so a keyboard can scroll it.
    pre.tabIndex = 0;
    pre.setAttribute('aria-label', 'Script output');
    pre.append(el('code', stripAnsi(output).slice(-4000)));
    parts.push(pre);
  }
  box.replaceChildren(...parts);
}

/** Scripts print coloured CLI output; the page shows plain text. */
function stripAnsi(text: string): string {
  const esc = String.fromCharCode(27);
  return text
    .split(esc)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*[A-Za-z]/, '')))
    .join('');
}

async function busy(button: HTMLButtonElement, label: string, work: () => Promise<void>): Promise<void> {
  const old = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    await work();
  } finally {
    button.disabled = false;
    button.textContent = old;
  }
}

async function onAction(section: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const step = section.dataset['step'] ?? '';
  const action = button.dataset['action'];
  try {
    if (action === 'check') {
      await busy(button, 'Checking…', async () =>
        showResult(section, await call(labApi.step(lab, step, 'check'), stepResultSchema, 'POST')),
      );
    } else if (action === 'hint') {
      const r = await call(labApi.step(lab, step, 'hint'), hintRevealSchema, 'POST');
      showHints(section, r.index);
    } else if (action === 'solution') {
      const r = await call(labApi.step(lab, step, 'solution'), solutionRevealSchema, 'POST');
      const box = section.querySelector<HTMLElement>('.solution');
      const code = section.querySelector('[data-solution-script]');
      const file = section.querySelector('[data-solution-file]');
      if (box && code && file) {
        code.textContent = r.script;
        file.textContent = r.file;
        box.hidden = false;
      }
    } else if (action === 'solve') {
      if (
        !window.confirm(
          'Apply the reference solution to your workspace? Your files for this step are changed by the script.',
        )
      )
        return;
      await busy(button, 'Applying…', async () => {
        const r = await call(labApi.step(lab, step, 'solve'), scriptRunSchema, 'POST');
        if (r.result) showResult(section, r.result);
        if (!r.ok) showMessage(section, `The solution script failed (exit ${r.exitCode}).`, 'error-message', r.output);
      });
    } else if (action === 'setup') {
      await busy(button, 'Staging…', async () => {
        const r = await call(labApi.step(lab, step, 'setup'), scriptRunSchema, 'POST');
        showMessage(
          section,
          r.ok ? 'Staged. Now work through the step in the terminal.' : `Setup failed (exit ${r.exitCode}).`,
          r.ok ? 'ok-message' : 'error-message',
          r.output,
        );
      });
    } else if (action === 'rebuild') {
      // Reset the step the learner is on: every step before it is replayed from its solution.
      const target = lastProgress.find((p) => p.status !== 'pass') ?? lastProgress.at(-1);
      if (!target) return;
      const sectionOf = document.querySelector<HTMLElement>(`[data-step="${CSS.escape(target.step)}"]`) ?? section;
      if (
        !window.confirm(
          `Rebuild earlier steps? Your workspace is moved to a backup folder (nothing is deleted), the sandbox restarts empty, and every step before "${target.step}" is replayed from its solution.`,
        )
      )
        return;
      await busy(button, 'Rebuilding…', async () => {
        const r = await call(labApi.step(lab, target.step, 'reset'), resetResultSchema, 'POST');
        showMessage(
          sectionOf,
          `Rebuilt. ${r.backup ? `Your previous workspace is in ${r.backup}. ` : ''}Replayed: ${r.replayed.join(', ') || 'nothing'}.`,
          'ok-message',
          undefined,
          true,
        );
        await loadProgress();
      });
    } else if (action === 'reset') {
      if (
        !window.confirm(
          'Reset this step? Your workspace is moved to a backup folder, the emulator restarts empty, and the earlier steps are replayed from their solutions.',
        )
      )
        return;
      await busy(button, 'Resetting…', async () => {
        const r = await call(labApi.step(lab, step, 'reset'), resetResultSchema, 'POST');
        showMessage(
          section,
          `Reset. ${r.backup ? `Your previous workspace is in ${r.backup}. ` : ''}Replayed: ${r.replayed.join(', ') || 'nothing'}.`,
          'ok-message',
          undefined,
          true,
        );
        await loadProgress();
      });
    }
  } catch (err) {
    showMessage(section, err instanceof Error ? err.message : String(err));
  }
}

function showRunnerBanner(reason: string): void {
  const banner = document.querySelector<HTMLElement>('[data-runner-banner]');
  if (banner) {
    banner.hidden = false;
    const text = banner.querySelector('[data-runner-reason]');
    if (text) text.textContent = reason;
  }
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-step] button')) b.disabled = true;
}

async function loadProgress(): Promise<void> {
  const banner = document.querySelector<HTMLElement>('[data-runner-banner]');
  try {
    const p = await call(labApi.progress(lab), labProgressSchema);
    lastProgress = p.steps;
    if (banner) banner.hidden = true;
    const ws = document.querySelector('[data-workspace]');
    if (ws) ws.textContent = p.workspace;
    for (const s of p.steps) {
      const section = document.querySelector<HTMLElement>(`[data-step="${CSS.escape(s.step)}"]`);
      if (!section) continue;
      showHints(section, s.hintsRevealed);
      if (s.lastResult) showResult(section, s.lastResult);
      // The badge shows the best status ever (a pass stays a pass), not only the last check.
      setBadge(section, s.status);
    }
  } catch (err) {
    showRunnerBanner(err instanceof Error ? err.message : String(err));
  }
}

/** Background re-check: results arrive after the learner saves a file in the workspace. */
function watchWorkspace(): void {
  const source = new EventSource(labApi.watch(lab));
  // A tab signed in to an earlier run of the runner gets nothing more from it: stop asking.
  document.addEventListener(SIGNED_OUT_EVENT, () => source.close());
  source.addEventListener('check', (event) => {
    const parsed = stepResultSchema.safeParse(JSON.parse((event as MessageEvent<string>).data));
    if (!parsed.success) return;
    const section = document.querySelector<HTMLElement>(`[data-step="${CSS.escape(parsed.data.step)}"]`);
    if (section) showResult(section, parsed.data, true);
  });
}

/**
 * Narrow screens show the steps or the sandbox and terminal, one at a time (see the page's CSS);
 * the switch above them, and the "Skip to the terminal" link, change which.
 */
function wireViewSwitch(): void {
  const buttons = [...document.querySelectorAll<HTMLButtonElement>('[data-view-button]')];
  const show = (view: string) => {
    if (root) root.dataset['view'] = view;
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset['viewButton'] === view));
  };
  for (const b of buttons) b.addEventListener('click', () => show(b.dataset['viewButton'] ?? 'steps'));
  // The pane the learner works in is the one a narrow window keeps showing: typing in the terminal
  // and then making the window narrower must not hide the terminal.
  root?.addEventListener('focusin', (event) => {
    const target = event.target as HTMLElement;
    if (target.closest('.workbench')) show('terminal');
    else if (target.closest('article')) show('steps');
  });
  // Links from the workbench to a step show the steps first, so the browser can scroll to it.
  for (const link of document.querySelectorAll<HTMLAnchorElement>('.workbench a[href^="#"]')) {
    link.addEventListener('click', () => show('steps'));
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('a[href="#terminal"]')) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      show('terminal');
      document.getElementById('terminal')?.scrollIntoView({ block: 'start' });
      document.querySelector('dojo-terminal')?.dispatchEvent(new CustomEvent(FOCUS_TERMINAL_EVENT));
    });
  }
}

if (root) {
  wireViewSwitch();
  document.addEventListener(SIGNED_OUT_EVENT, () => showRunnerBanner(SIGNED_OUT_MESSAGE));
  // Sent by the sandbox panel each time the sandbox runs, with its status (dataSince).
  let running: string | undefined;
  document.addEventListener('dojo:sandbox-running', (event) => {
    running = (event as CustomEvent<{ dataSince?: string }>).detail.dataSince;
    void reverify(running);
  });
  root.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    const section = button?.closest<HTMLElement>('[data-step]');
    if (button && section) void onAction(section, button);
  });
  void loadProgress().then(() => {
    if (document.querySelector('[data-runner-banner]')?.hasAttribute('hidden')) watchWorkspace();
    void reverify(running);
  });
}
