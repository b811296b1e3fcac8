/**
 * The interview-practice API: attempts with locally computed feedback, self-ratings that move the
 * FSRS review schedule, and recordings stored under DOJO_HOME/recordings. Request and response
 * shapes, and why review times may come from the browser, are in src/shared/interview-api.ts.
 *
 * Uploads are checked three ways: the declared Content-Type must be one MediaRecorder produces,
 * the size must be under RECORDING_MAX_BYTES (refused from Content-Length before reading, and
 * again while reading), and the first bytes must be that container's signature, so a file that is
 * not audio is never stored or served back. The body is streamed to a private temporary file, never
 * held in memory (12 parallel 16 MiB uploads used to add 235 MB to the runner), and at most
 * UPLOADS_MAX_BYTES may be in flight at once across all uploads (the rest get 503 and retry).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  createAttemptRequestSchema,
  rateRequestSchema,
  recordingContentTypes,
  recordingQuerySchema,
  RECORDING_MAX_BYTES,
  type RecordingContentType,
} from '../../shared/interview-api.ts';
import { idSchema } from '../../shared/ids.ts';
import { describeIssues, ValidationError } from '../../shared/friendly-error.ts';
import type { InterviewEntry } from '../../shared/interview-entry.ts';
import { answerFeedback } from '../../interview/answer-feedback.ts';
import { interviewBankDir, loadInterviewEntry } from '../../interview/load-interview-entry.ts';
import { ReviewScheduler, ReviewTimeError, type Clock } from '../../interview/review-scheduler.ts';
import { HttpError, readJson, sendJson } from '../http-helpers.ts';
import { InterviewStore } from '../interview-store.ts';
import type { RunnerContext } from '../runner-context.ts';
import type { Route } from '../runner-server.ts';

export interface InterviewRouteOptions {
  /** The question bank; default DOJO_INTERVIEW_DIR or interview/. */
  interviewDir?: string;
  /** The runner's clock, used when a request carries no `at`. */
  clock?: Clock;
}

/** The first bytes each accepted container starts with. */
function looksLike(type: RecordingContentType, head: Buffer): boolean {
  if (type === 'audio/webm') return head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
  if (type === 'audio/ogg') return head.subarray(0, 4).toString('latin1') === 'OggS';
  return head.subarray(4, 8).toString('latin1') === 'ftyp';
}
const SIGNATURES: Record<RecordingContentType, string> = {
  'audio/webm': 'the EBML header 1A 45 DF A3',
  'audio/ogg': '"OggS"',
  'audio/mp4': 'an "ftyp" box',
};

function param(schema: z.ZodType<string>, value: string | undefined, what: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `expected ${what} in the path, found ${JSON.stringify(value)}`);
  return parsed.data;
}
const attemptParam = (value: string | undefined) => param(z.uuid(), value, 'an attempt id (a UUID)');

function contentTypeOf(req: IncomingMessage): RecordingContentType {
  const declared = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const type = recordingContentTypes.find((t) => t === declared);
  if (!type) {
    throw new HttpError(
      415,
      `expected a recording of type ${recordingContentTypes.join(', ')}, found "${declared || 'no Content-Type'}"`,
      'record in the practice page, which uploads what the browser recorded (MediaRecorder)',
    );
  }
  return type;
}

/** Bytes all recording uploads together may have in flight (each is at most RECORDING_MAX_BYTES). */
export const UPLOADS_MAX_BYTES = 256 * 1024 * 1024;
let uploadsInFlight = 0;

/**
 * Streams the request body into a file from `makeFile` (0600), checking the size limit as it goes
 * and the container signature on the first bytes (the file is made only once they pass); resolves
 * with the file and its size. On any refusal the partial file is removed.
 */
async function receiveAudio(
  req: IncomingMessage,
  res: ServerResponse,
  type: RecordingContentType,
  makeFile: () => string,
): Promise<{ file: string; size: number }> {
  const limitText = `${RECORDING_MAX_BYTES / (1024 * 1024)} MiB`;
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = (found: string) => {
    // Answer without reading the rest, and close the connection rather than drain it.
    res.setHeader('Connection', 'close');
    return new HttpError(
      413,
      `expected a recording of at most ${limitText}, found ${found}`,
      'keep answers under ten minutes; the page stops recording then',
    );
  };
  if (Number.isFinite(declared) && declared > RECORDING_MAX_BYTES) throw tooLarge(`${declared} bytes (Content-Length)`);
  // Reserve the most this upload can take; what it did not use is given back at the end.
  const reserved = Number.isFinite(declared) && declared >= 0 ? declared : RECORDING_MAX_BYTES;
  if (uploadsInFlight + reserved > UPLOADS_MAX_BYTES) {
    res.setHeader('Retry-After', '2');
    res.setHeader('Connection', 'close');
    throw new HttpError(
      503,
      `expected at most ${UPLOADS_MAX_BYTES / (1024 * 1024)} MiB of recordings uploading at once, found ${Math.round(uploadsInFlight / (1024 * 1024))} MiB in flight`,
      'try again in a few seconds',
    );
  }
  uploadsInFlight += reserved;
  let size = 0;
  let head = Buffer.alloc(0);
  let file: string | null = null;
  let out: ReturnType<typeof createWriteStream> | null = null;
  const notThatType = () =>
    new HttpError(
      415,
      `the body is declared ${type} but does not start with ${SIGNATURES[type]}`,
      'upload the file the browser recorded, unchanged',
    );
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > RECORDING_MAX_BYTES) throw tooLarge(`more than ${RECORDING_MAX_BYTES} bytes`);
      if (head.length < 8) {
        head = Buffer.concat([head, chunk.subarray(0, 8 - head.length)]);
        if (head.length < 8) {
          continue; // not enough to judge yet; kept in `head` and written below
        }
        if (!looksLike(type, head)) throw notThatType();
      }
      // Nothing touches the disk before the first bytes proved the type.
      if (!out) {
        file = makeFile();
        out = createWriteStream(file, { mode: 0o600 });
        out.on('error', () => undefined); // reported by the write/finish below
        const first = Buffer.concat([head, chunk.subarray(chunk.length - (size - head.length))]);
        if (!out.write(first)) await once(out, 'drain');
        continue;
      }
      // Backpressure: the request is not read further until the disk has taken this chunk.
      if (!out.write(chunk)) await once(out, 'drain');
    }
    if (size === 0) throw new HttpError(400, 'expected the recording in the request body, found an empty body');
    if (!out) throw notThatType(); // fewer than 8 bytes
    await new Promise<void>((resolve, reject) => {
      out?.once('error', reject);
      out?.end(resolve);
    });
    return { file: file as string, size };
  } catch (err) {
    out?.destroy();
    if (file) await rm(file, { force: true });
    if (err instanceof HttpError) throw err;
    // The client went away mid-upload (or the disk failed): nothing was stored.
    throw new HttpError(400, `the recording upload did not complete: ${(err as Error).message}`);
  } finally {
    uploadsInFlight -= reserved;
  }
}

function sendRecording(
  req: IncomingMessage,
  res: ServerResponse,
  file: { path: string; contentType: string; bytes: number },
) {
  const headers = {
    'Content-Type': file.contentType,
    'Accept-Ranges': 'bytes',
    // The learner's voice: never cached by anything.
    'Cache-Control': 'no-store',
    'Content-Disposition': 'inline',
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    const size = file.bytes;
    let start = range[1] ? Number(range[1]) : size - Number(range[2]);
    let end = range[1] && range[2] ? Number(range[2]) : size - 1;
    start = Math.max(0, start);
    end = Math.min(end, size - 1);
    if (start > end || start >= size) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
      res.end();
      return Promise.resolve();
    }
    res.writeHead(206, {
      ...headers,
      'Content-Range': `bytes ${start}-${end}/${size}`,
      'Content-Length': end - start + 1,
    });
    return pipe(createReadStream(file.path, { start, end }), res);
  }
  res.writeHead(200, { ...headers, 'Content-Length': file.bytes });
  return pipe(createReadStream(file.path), res);
}

function pipe(stream: NodeJS.ReadableStream, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
}

function noContent(res: ServerResponse): void {
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}

export function interviewRoutes(ctx: RunnerContext, options: InterviewRouteOptions = {}): Route[] {
  const store = new InterviewStore(ctx.db, ctx.dojoHome);
  const dir = options.interviewDir ?? interviewBankDir();
  const scheduler = new ReviewScheduler(options.clock);
  const timeOf = (at: string | undefined) => (at ? new Date(at) : scheduler.now());

  async function entry(questionId: string): Promise<InterviewEntry> {
    try {
      const found = await loadInterviewEntry(dir, questionId);
      if (found) return found;
    } catch (err) {
      if (err instanceof ValidationError) {
        throw new HttpError(500, err.message, 'fix the entry; `npm run build` reports the same problems');
      }
      throw err;
    }
    throw new HttpError(
      404,
      `no interview question "${questionId}"`,
      'expected the name of a file in interview/ without .yaml, as in the page address /interview/<id>/',
    );
  }

  function attemptOr404(id: string) {
    const attempt = store.attempt(id);
    if (!attempt) throw new HttpError(404, `no attempt ${id}`, 'it may have been deleted; reload the page');
    return attempt;
  }

  return [
    {
      method: 'GET',
      path: '/api/interview/schedule',
      handler: ({ res }) => sendJson(res, 200, { cards: store.cards() }),
    },
    {
      method: 'POST',
      path: '/api/interview/attempts',
      handler: async ({ req, res }) => {
        const body = await readJson(req, createAttemptRequestSchema, 128 * 1024);
        const question = await entry(body.questionId);
        const feedback = await answerFeedback(question, {
          text: body.answerText,
          answerKind: body.answerKind,
          durationMs: body.durationMs,
        });
        const attempt = store.createAttempt({
          questionId: body.questionId,
          mode: body.mode,
          answerKind: body.answerKind,
          answerText: body.answerText,
          durationMs: body.durationMs,
          timeLimitMs: body.timeLimitMs,
          feedback,
          createdAt: timeOf(body.at),
        });
        sendJson(res, 201, attempt);
      },
    },
    {
      method: 'GET',
      path: '/api/interview/questions/:question/attempts',
      handler: ({ res, params }) => {
        const questionId = param(idSchema, params['question'], 'a question id (kebab-case)');
        sendJson(res, 200, { attempts: store.attempts(questionId) });
      },
    },
    {
      method: 'POST',
      path: '/api/interview/attempts/:attempt/rating',
      handler: async ({ req, res, params }) => {
        const id = attemptParam(params['attempt']);
        const body = await readJson(req, rateRequestSchema);
        const attempt = attemptOr404(id);
        if (attempt.rating) {
          throw new HttpError(
            409,
            `attempt ${id} was already rated "${attempt.rating}"; expected an attempt without a rating`,
            'answer the question again to record another review',
          );
        }
        const at = timeOf(body.at);
        let card;
        try {
          card = scheduler.review(attempt.questionId, store.card(attempt.questionId), body.rating, at);
        } catch (err) {
          if (err instanceof ReviewTimeError) throw new HttpError(409, err.message);
          throw err;
        }
        const rated = store.rateAttempt(id, body.rating, card, at);
        if (!rated) throw new HttpError(409, `attempt ${id} was rated meanwhile (another tab?)`, 'reload the page');
        sendJson(res, 200, { attempt: rated, card });
      },
    },
    {
      method: 'DELETE',
      path: '/api/interview/attempts/:attempt',
      handler: async ({ res, params }) => {
        const id = attemptParam(params['attempt']);
        if (!(await store.deleteAttempt(id))) throw new HttpError(404, `no attempt ${id}`);
        noContent(res);
      },
    },
    {
      method: 'PUT',
      path: '/api/interview/attempts/:attempt/recording',
      handler: async ({ req, res, params, url }) => {
        const id = attemptParam(params['attempt']);
        const type = contentTypeOf(req);
        const query = recordingQuerySchema.safeParse(Object.fromEntries(url.searchParams));
        if (!query.success) throw new HttpError(400, `invalid query: ${describeIssues(query.error).join('; ')}`);
        const attempt = attemptOr404(id);
        if (attempt.answerKind !== 'audio') {
          throw new HttpError(409, `attempt ${id} is a written answer; expected an attempt with answerKind "audio"`);
        }
        const received = await receiveAudio(req, res, type, () => store.temporaryRecordingFile(id));
        const recording = await store.saveRecording(
          id,
          { temporaryFile: received.file, bytes: received.size },
          type,
          query.data.durationMs,
          scheduler.now(),
        );
        sendJson(res, 201, recording);
      },
    },
    {
      method: 'GET',
      path: '/api/interview/attempts/:attempt/recording',
      handler: async ({ req, res, params }) => {
        const id = attemptParam(params['attempt']);
        const file = store.recordingFile(id);
        if (!file) throw new HttpError(404, `attempt ${id} has no recording`);
        await sendRecording(req, res, file);
      },
    },
    {
      method: 'DELETE',
      path: '/api/interview/attempts/:attempt/recording',
      handler: async ({ res, params }) => {
        const id = attemptParam(params['attempt']);
        if (!(await store.deleteRecording(id))) throw new HttpError(404, `attempt ${id} has no recording`);
        noContent(res);
      },
    },
  ];
}
