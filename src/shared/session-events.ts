/**
 * A lab session's status and its start-up progress, shared by the runner (which sends them) and
 * the page (SandboxProgress.astro, which shows them).
 *
 * `GET /api/labs/:lab/session` answers a `SessionStatus`; `POST` starts the sandbox (202 with the
 * status), `DELETE` stops it. `GET /api/labs/:lab/session/events` is a Server-Sent Events stream:
 * every event is named `progress` and carries a `SessionEvent` as JSON; the first one repeats the
 * current state, so a page that connects late still draws the right bar.
 */
import { z } from 'zod';

export const sessionStates = ['stopped', 'starting', 'running', 'stopping', 'failed'] as const;
export const sessionStateSchema = z.enum(sessionStates);
export type SessionState = z.infer<typeof sessionStateSchema>;

export const sessionEventSchema = z.strictObject({
  lab: z.string(),
  state: sessionStateSchema,
  /** Stable phase id from the sandbox (e.g. "start-emulator"), or the runner's own: "queued", "ready", "stopped", "failed". */
  phase: z.string(),
  /** What is happening, in words a learner understands. */
  message: z.string(),
  /** 0–100 for the whole start-up. */
  percent: z.number().min(0).max(100),
  /** Milliseconds since the start (or stop) was requested. */
  elapsedMs: z.number().int().min(0),
});
export type SessionEvent = z.infer<typeof sessionEventSchema>;

export const sessionStatusSchema = z.strictObject({
  lab: z.string(),
  state: sessionStateSchema,
  /** The sandbox id named by the lab manifest. */
  sandbox: z.string(),
  /** Human-readable services, e.g. { "AWS emulator": "moto_server at http://127.0.0.1:41234" }. */
  services: z.record(z.string(), z.string()),
  /** Names (not values) of the variables the terminal gets from the sandbox. */
  envKeys: z.array(z.string()),
  startedAt: z.string().optional(),
  /** The latest progress event, if any. */
  progress: sessionEventSchema.optional(),
  /** Why the last start failed: what was expected, what was found, and the fix. */
  error: z.string().optional(),
  /**
   * Whether what the learner built survives a Stop, a crash and a runner restart, in a sentence
   * the page shows before a Stop; restoredRequests > 0 when this start brought data back.
   */
  persistence: z
    .strictObject({ survivesRestart: z.boolean(), note: z.string(), restoredRequests: z.number().int().min(0) })
    .optional(),
  /** While running: when the data the sandbox holds began (ISO). Passes older than this are re-verified. */
  dataSince: z.string().optional(),
});
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

export const sessionPath = (lab: string) => `/api/labs/${encodeURIComponent(lab)}/session`;
export const sessionEventsPath = (lab: string) => `${sessionPath(lab)}/events`;
