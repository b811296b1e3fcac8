/**
 * The interview API on a real runner with a temporary DOJO_HOME: attempts with feedback computed
 * by the runner, ratings that move the schedule, recordings on disk with type and size checks,
 * history, deletion, and persistence across a restart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunnerContext, type RunnerContext } from '../../src/runner/runner-context.ts';
import { startRunner, type StartedRunner } from '../../src/runner/runner-server.ts';
import { interviewRoutes } from '../../src/runner/routes/interview-routes.ts';
import {
  attemptSchema,
  rateResponseSchema,
  recordingSchema,
  RECORDING_MAX_BYTES,
  scheduleResponseSchema,
  historyResponseSchema,
  type Attempt,
} from '../../src/shared/interview-api.ts';
import { answerFeedback } from '../../src/interview/answer-feedback.ts';
import { loadInterviewEntry } from '../../src/interview/load-interview-entry.ts';
import { interviewDir, labsDir } from '../../src/shared/paths.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const QUESTION = 'how-state-locking-works';
const ANSWER =
  'Before plan and apply Terraform has to acquire the lock. A second run fails with Error acquiring the state lock and prints the lock info. We did not use a lock table; on S3 I set use_lockfile so a .tflock object is created with a conditional write.';
/** A WebM (EBML) header followed by arbitrary bytes: enough for the signature check. */
const WEBM = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(2048, 7)]);

let home: Awaited<ReturnType<typeof tempDir>>;
let ctx: RunnerContext;
let runner: StartedRunner;
let now: Date;

async function start(): Promise<void> {
  ctx = createRunnerContext(home.path, labsDir);
  runner = await startRunner({
    port: 0,
    token: 'api-token',
    distDir: home.path,
    routes: interviewRoutes(ctx, { interviewDir, clock: () => now }),
  });
}

async function stop(): Promise<void> {
  await runner.close();
  ctx.db.close();
}

function api(pathname: string, init: RequestInit & { origin?: string | null; token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set('Authorization', `Bearer ${init.token ?? 'api-token'}`);
  if (init.origin !== null) headers.set('Origin', init.origin ?? runner.origin);
  return fetch(`${runner.origin}${pathname}`, { ...init, headers });
}

function postJson(pathname: string, body: unknown, extra: { origin?: string | null; token?: string | null } = {}) {
  return api(pathname, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    ...extra,
  });
}

async function createAttempt(overrides: Record<string, unknown> = {}): Promise<Attempt> {
  const res = await postJson('/api/interview/attempts', {
    questionId: QUESTION,
    mode: 'interview',
    answerKind: 'text',
    answerText: ANSWER,
    durationMs: 95_000,
    timeLimitMs: 180_000,
    ...overrides,
  });
  expect(res.status).toBe(201);
  return attemptSchema.parse(await res.json());
}

beforeEach(async () => {
  home = await tempDir('interview-api');
  now = new Date('2026-03-02T09:00:00Z');
  await start();
});

afterEach(async () => {
  await stop();
  await home[Symbol.asyncDispose]();
});

describe('interview attempts', () => {
  it('stores an attempt with the feedback the shared matcher computes', async () => {
    const attempt = await createAttempt();
    const entry = await loadInterviewEntry(interviewDir, QUESTION);
    expect(attempt.feedback).toEqual(
      await answerFeedback(entry!, { text: ANSWER, answerKind: 'text', durationMs: 95_000 }),
    );
    const byId = new Map(attempt.feedback.points.map((p) => [p.id, p.status]));
    expect(byId.get('lock-error')).toBe('hit');
    expect(byId.get('s3-lockfile')).toBe('hit');
    // "We did not use a lock table" names the lock table but denies it.
    expect(byId.get('dynamodb')).toBe('negated');
    expect(attempt.createdAt).toBe('2026-03-02T09:00:00.000Z');
    expect(attempt.rating).toBeNull();
  });

  it('refuses unknown questions, bad bodies, missing tokens and foreign origins, saying why', async () => {
    const unknown = await postJson('/api/interview/attempts', {
      questionId: 'no-such-question',
      mode: 'practice',
      answerKind: 'text',
      answerText: 'x',
      durationMs: 1,
      timeLimitMs: null,
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'no interview question "no-such-question"' });

    const bad = await postJson('/api/interview/attempts', { questionId: QUESTION, mode: 'exam' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('mode: expected "mode" to be practice or interview');

    expect((await postJson('/api/interview/attempts', {}, { token: null })).status).toBe(401);
    expect((await postJson('/api/interview/attempts', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await postJson('/api/interview/attempts', {}, { origin: null })).status).toBe(403);
    expect((await api('/api/interview/schedule', { token: null })).status).toBe(401);
  });

  it('keeps a per-question history, newest first, and deletes an attempt', async () => {
    const first = await createAttempt();
    now = new Date('2026-03-02T10:00:00Z');
    const second = await createAttempt({ mode: 'practice', timeLimitMs: null, answerText: 'Too short.' });
    const history = historyResponseSchema.parse(
      await (await api(`/api/interview/questions/${QUESTION}/attempts`)).json(),
    );
    expect(history.attempts.map((a) => a.id)).toEqual([second.id, first.id]);
    expect(history.attempts[0]!.feedback.length.verdict).toBe('short');

    expect((await api(`/api/interview/attempts/${first.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/interview/attempts/${first.id}`, { method: 'DELETE' })).status).toBe(404);
    const after = historyResponseSchema.parse(
      await (await api(`/api/interview/questions/${QUESTION}/attempts`)).json(),
    );
    expect(after.attempts.map((a) => a.id)).toEqual([second.id]);
    expect((await api('/api/interview/questions/Not_An_Id/attempts')).status).toBe(400);
  });
});

describe('ratings and the review schedule', () => {
  it('schedules the question from the rating, refuses a second rating and a review in the past', async () => {
    const attempt = await createAttempt();
    const rated = await postJson(`/api/interview/attempts/${attempt.id}/rating`, {
      rating: 'good',
      at: '2026-03-02T09:05:00Z',
    });
    expect(rated.status).toBe(200);
    const { attempt: ratedAttempt, card } = rateResponseSchema.parse(await rated.json());
    expect(ratedAttempt.rating).toBe('good');
    expect(card).toMatchObject({ questionId: QUESTION, reps: 1, lastRating: 'good', state: 'review' });
    // FSRS with the page's settings: a first "good" comes back three days later.
    expect(card.due).toBe('2026-03-05T09:05:00.000Z');

    const again = await postJson(`/api/interview/attempts/${attempt.id}/rating`, { rating: 'easy' });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toContain('already rated "good"');

    const next = await createAttempt();
    const past = await postJson(`/api/interview/attempts/${next.id}/rating`, {
      rating: 'good',
      at: '2026-03-01T00:00:00Z',
    });
    expect(past.status).toBe(409);
    expect((await past.json()).error).toMatch(/expected a review time at or after the last review/);

    const bad = await postJson(`/api/interview/attempts/${next.id}/rating`, { rating: 'perfect' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('expected "rating" to be one of again, hard, good, easy');

    const schedule = scheduleResponseSchema.parse(await (await api('/api/interview/schedule')).json());
    expect(schedule.cards).toEqual([card]);
  });

  it('survives a runner restart (the schedule is in DOJO_HOME)', async () => {
    const attempt = await createAttempt();
    await postJson(`/api/interview/attempts/${attempt.id}/rating`, { rating: 'hard' });
    await stop();
    await start();
    const schedule = scheduleResponseSchema.parse(await (await api('/api/interview/schedule')).json());
    expect(schedule.cards.map((c) => [c.questionId, c.lastRating])).toEqual([[QUESTION, 'hard']]);
    expect(existsSync(path.join(home.path, 'dojo.sqlite'))).toBe(true);
  });
});

describe('recordings', () => {
  async function audioAttempt(): Promise<Attempt> {
    return createAttempt({ answerKind: 'audio', answerText: '', durationMs: 4_000 });
  }

  function upload(id: string, body: Buffer, type = 'audio/webm;codecs=opus', query = 'durationMs=4000') {
    return api(`/api/interview/attempts/${id}/recording?${query}`, {
      method: 'PUT',
      headers: { 'Content-Type': type },
      body: new Uint8Array(body),
    });
  }

  it('stores the audio under DOJO_HOME/recordings, serves it back with ranges, and deletes it', async () => {
    const attempt = await audioAttempt();
    const res = await upload(attempt.id, WEBM);
    expect(res.status).toBe(201);
    const recording = recordingSchema.parse(await res.json());
    expect(recording).toMatchObject({ contentType: 'audio/webm', bytes: WEBM.length, durationMs: 4000 });

    const file = path.join(home.path, 'recordings', `${attempt.id}.webm`);
    expect(readFileSync(file).equals(WEBM)).toBe(true);
    expect(readdirSync(path.join(home.path, 'recordings'))).toEqual([`${attempt.id}.webm`]);

    const served = await api(recording.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('audio/webm');
    expect(served.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await served.arrayBuffer()).equals(WEBM)).toBe(true);
    const part = await api(recording.url, { headers: { Range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);

    const history = historyResponseSchema.parse(
      await (await api(`/api/interview/questions/${QUESTION}/attempts`)).json(),
    );
    expect(history.attempts[0]!.recording?.url).toBe(recording.url);
    expect(history.attempts[0]!.feedback.length.duration).toMatchObject({ seconds: 4, verdict: 'short' });

    expect((await api(recording.url, { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await api(recording.url)).status).toBe(404);
    expect((await api(recording.url, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses the wrong content type, content that is not that type, oversize bodies and text attempts', async () => {
    const attempt = await audioAttempt();
    const wrongType = await upload(attempt.id, WEBM, 'application/octet-stream');
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).error).toBe(
      'expected a recording of type audio/webm, audio/ogg, audio/mp4, found "application/octet-stream"',
    );

    const notWebm = await upload(attempt.id, Buffer.from('<script>alert(1)</script>'));
    expect(notWebm.status).toBe(415);
    expect((await notWebm.json()).error).toContain('does not start with the EBML header');

    const tooBig = await upload(attempt.id, Buffer.concat([WEBM, Buffer.alloc(RECORDING_MAX_BYTES)]));
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error).toMatch(/^expected a recording of at most 16 MiB, found/);

    const noDuration = await upload(attempt.id, WEBM, 'audio/webm', '');
    expect(noDuration.status).toBe(400);
    expect((await noDuration.json()).error).toContain('durationMs');

    const written = await createAttempt();
    expect((await upload(written.id, WEBM)).status).toBe(409);
    expect((await upload('not-a-uuid', WEBM)).status).toBe(400);

    expect(existsSync(path.join(home.path, 'recordings'))).toBe(false);
  });

  it('deleting an attempt deletes its recording file', async () => {
    const attempt = await audioAttempt();
    expect((await upload(attempt.id, WEBM)).status).toBe(201);
    const file = path.join(home.path, 'recordings', `${attempt.id}.webm`);
    expect(existsSync(file)).toBe(true);
    expect((await api(`/api/interview/attempts/${attempt.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(file)).toBe(false);
  });
});
