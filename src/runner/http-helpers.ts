import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { describeIssues } from '../shared/friendly-error.ts';
import { idSchema } from '../shared/ids.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly hint: string | undefined;
  constructor(status: number, message: string, hint?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.hint = hint;
  }
}

/** The lab id of a `/api/labs/:lab/...` path, checked before it is used to build any file path. */
export function labIdParam(params: Record<string, string | undefined>): string {
  const parsed = idSchema.safeParse(params['lab']);
  if (!parsed.success) {
    throw new HttpError(
      400,
      `expected a kebab-case lab id in the path, found "${params['lab'] ?? ''}"`,
      'Use the id of a lab from GET /api/labs, e.g. /api/labs/terraform-state/...',
    );
  }
  return parsed.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: err.message, ...(err.hint ? { hint: err.hint } : {}) });
}

/** Reads a JSON body of at most `limit` bytes and validates it; errors are 4xx with the reason. */
export async function readJson<S extends z.ZodType>(
  req: IncomingMessage,
  schema: S,
  limit = 64 * 1024,
): Promise<z.output<S>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, `expected Content-Type application/json, found "${type || 'none'}"`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new HttpError(400, `invalid request: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}
