/**
 * The catalog's per-lab status, filled in from the runner: whether this machine can run the lab
 * (GET /api/doctor, the same verdict as `npx dojo doctor`) and how far the learner got (GET
 * /api/labs/:lab/progress: steps passed, "Complete" when all have). Without the runner, or in a
 * tab that is not signed in to it, each card says how to get there instead. Server text goes in
 * with textContent only.
 */
import { doctorReportSchema, type LabReadiness } from '../shared/doctor-report.ts';
import { labApi, labProgressSchema } from '../shared/lab-api.ts';
import { SIGNED_OUT_MESSAGE } from './runner-access.ts';

type Tone = 'pass' | 'fail' | 'neutral';

function badge(text: string, tone: Tone): HTMLElement {
  const span = document.createElement('span');
  span.className = 'badge';
  span.dataset['tone'] = tone;
  span.textContent = text;
  return span;
}

function cards(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('.catalog [data-lab]')];
}

function setLine(card: HTMLElement, selector: string, ...nodes: (Node | string)[]): void {
  card.querySelector(selector)?.replaceChildren(...nodes);
}

/** Every card gets the same note (runner missing or tab signed out). */
function noteOnAll(text: string): void {
  for (const card of cards()) {
    setLine(card, '[data-runnable]');
    setLine(card, '[data-progress]', text);
  }
}

async function json(url: string): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch {
    return null;
  }
}

function showReadiness(card: HTMLElement, readiness: LabReadiness | undefined): void {
  if (!readiness) return setLine(card, '[data-runnable]');
  if (readiness.runnable) return setLine(card, '[data-runnable]', badge('runs on this machine', 'pass'));
  const why = document.createElement('span');
  why.className = 'missing';
  why.textContent = ` Missing: ${readiness.missing.join(' ')}`;
  setLine(card, '[data-runnable]', badge('cannot run on this machine', 'fail'), why);
}

function showProgress(card: HTMLElement, r: { status: number; body: unknown }): void {
  const parsed = labProgressSchema.safeParse(r.body);
  if (!parsed.success) return setLine(card, '[data-progress]', 'Progress unavailable.');
  const steps = parsed.data.steps;
  const passed = steps.filter((s) => s.status === 'pass').length;
  const started = steps.some((s) => s.status !== 'not-started' || s.hintsRevealed > 0);
  card.dataset['complete'] = String(passed === steps.length);
  if (passed === steps.length) {
    setLine(card, '[data-progress]', badge('complete', 'pass'), ` All ${steps.length} steps passed.`);
  } else {
    setLine(
      card,
      '[data-progress]',
      started ? `${passed} of ${steps.length} steps passed.` : `Not started (${steps.length} steps).`,
    );
  }
}

async function main(): Promise<void> {
  const all = cards();
  // Progress answers at once; doctor runs every tool's --version, so it may take a second or two.
  const doctor = json('/api/doctor');
  const progress = await Promise.all(all.map((card) => json(labApi.progress(card.dataset['lab'] ?? ''))));
  if (progress.some((r) => r === null)) {
    return noteOnAll(
      'Start the runner (npm start) and open the URL it prints to see whether this machine can run the lab and how far you got.',
    );
  }
  if (progress.some((r) => r?.status === 401)) return noteOnAll(SIGNED_OUT_MESSAGE);
  all.forEach((card, i) => {
    const r = progress[i];
    setLine(card, '[data-runnable]', badge('checking this machine…', 'neutral'));
    if (r) showProgress(card, r);
  });
  const report = doctorReportSchema.safeParse((await doctor)?.body);
  const labs = new Map((report.success ? report.data.labs : []).map((l) => [l.id, l]));
  for (const card of all) showReadiness(card, labs.get(card.dataset['lab'] ?? ''));
}

void main();
