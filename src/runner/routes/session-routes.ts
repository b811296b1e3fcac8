/**
 * Lab sessions over HTTP: `GET|POST|DELETE /api/labs/:lab/session` (status, start, stop) and
 * `GET /api/labs/:lab/session/events`, a Server-Sent Events stream of `progress` events
 * (src/shared/session-events.ts). The runner has checked the token, and Origin for POST/DELETE.
 */
import type { ServerResponse } from 'node:http';
import { ValidationError } from '../../shared/friendly-error.ts';
import type { SessionEvent } from '../../shared/session-events.ts';
import { HttpError, labIdParam, sendJson } from '../http-helpers.ts';
import type { Route, RouteContext } from '../runner-server.ts';
import type { SessionManager } from '../session-manager.ts';

const HEARTBEAT_MS = 15_000;

/** The lab id from the path, checked before it is used to build any file path. */
function labParam(ctx: RouteContext): string {
  return labIdParam(ctx.params);
}

/** Turns "no such lab" (and "lab does not validate") into 404 with the loader's message. */
async function orNotFound<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ValidationError)
      throw new HttpError(404, err.message, 'run "npx dojo lab list" to see the labs');
    throw err;
  }
}

function writeEvent(res: ServerResponse, event: SessionEvent): void {
  res.write(`event: progress\ndata: ${JSON.stringify(event)}\n\n`);
}

export function sessionRoutes(sessions: SessionManager): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/labs/:lab/session',
      handler: async (ctx) => sendJson(ctx.res, 200, await orNotFound(() => sessions.status(labParam(ctx)))),
    },
    {
      method: 'POST',
      path: '/api/labs/:lab/session',
      handler: async (ctx) => sendJson(ctx.res, 202, await orNotFound(() => sessions.start(labParam(ctx)))),
    },
    {
      method: 'DELETE',
      path: '/api/labs/:lab/session',
      handler: async (ctx) => sendJson(ctx.res, 200, await orNotFound(() => sessions.stop(labParam(ctx)))),
    },
    {
      method: 'GET',
      path: '/api/labs/:lab/session/events',
      handler: async (ctx) => {
        const lab = labParam(ctx);
        const status = await orNotFound(() => sessions.status(lab));
        const { res, req } = ctx;
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
        });
        // A page that connects late draws the current state at once.
        writeEvent(
          res,
          status.progress ?? {
            lab,
            state: status.state,
            phase: status.state,
            message: status.state === 'stopped' ? 'The sandbox is not started' : status.state,
            percent: 0,
            elapsedMs: 0,
          },
        );
        const unsubscribe = sessions.subscribe(lab, (event) => writeEvent(res, event));
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const done = () => {
          clearInterval(heartbeat);
          unsubscribe();
        };
        req.on('close', done);
        res.on('close', done);
      },
    },
  ];
}
