/**
 * The terminal WebSocket protocol, defined once for the browser island and the runner (and any
 * script that wants to drive a terminal). `GET /api/terminal?lab=<id>[&cols=N&rows=N]`, upgraded to
 * a WebSocket, authenticated like every API call (cookie or `Authorization: Bearer`, Origin checked).
 *
 * Client → server: JSON text frames, one message each (`clientMessageSchema`).
 * Server → client: terminal output as binary frames (raw UTF-8 bytes straight from the PTY, which
 * saves a decode/encode per byte), and JSON text frames for control (`serverMessageSchema`).
 *
 * Flow control (wetty's scheme): the server counts the bytes of every binary frame it sends and
 * pauses the PTY when more than `FLOW.highWatermark` are unacknowledged; the client acknowledges
 * bytes with `{"type":"ack","bytes":N}` once xterm has rendered them (xterm's write callback), and
 * the server resumes when the count falls under `FLOW.lowWatermark`. A client that never acks
 * therefore costs the runner a bounded amount of memory, and a fast producer (`yes`) cannot flood it.
 *
 * Input goes the other way with the same idea: the runner writes input to the PTY only as fast as
 * the shell takes it (never blocking its event loop) and acknowledges it with
 * `{"type":"inputAck","chars":N}`; the client keeps at most `FLOW.inputWindowChars` characters
 * unacknowledged, so a 1 MiB paste waits in the page, not in the runner.
 *
 * A frame that is not valid JSON or not a valid message closes the socket with 1007, a frame over
 * `MAX_CLIENT_FRAME_BYTES` with 1009; the close reason says what was expected.
 */
import { z } from 'zod';

/** Largest client frame accepted; the browser splits pastes into `INPUT_CHUNK_CHARS` pieces. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/** Input characters per message: even fully JSON-escaped (6 bytes per char) it stays under the frame limit. */
export const INPUT_CHUNK_CHARS = 8 * 1024;

export const FLOW = {
  /** Pause the PTY when this many output bytes are sent but not yet acknowledged. */
  highWatermark: 2 * 1024 * 1024,
  /** Resume it when acknowledgements bring the count under this. */
  lowWatermark: 512 * 1024,
  /**
   * The runner's screen mirror (for replay on reconnect) may lag this far behind before the PTY
   * pauses for it; it parses at low priority, so a burst is not slowed by it until then.
   */
  mirrorHighWatermark: 4 * 1024 * 1024,
  mirrorLowWatermark: 1024 * 1024,
  /** The server sends at most this many bytes per binary frame. */
  maxBatchBytes: 512 * 1024,
  /** The client acks once this many bytes are rendered, or as soon as it has nothing left to render. */
  ackEveryBytes: 64 * 1024,
  /**
   * Input side: the client keeps at most this many characters sent but not yet acknowledged with
   * `inputAck` (the runner acks input once the shell has taken it); the rest of a paste waits in the page.
   */
  inputWindowChars: 64 * 1024,
  /**
   * The runner queues at most this many bytes of input per shell; a client that ignores the window
   * and sends more gets them dropped and a notice saying so.
   */
  maxInputQueueBytes: 1024 * 1024,
} as const;

/** WebSocket close codes the terminal uses, with their meaning. */
export const CLOSE = {
  normal: 1000,
  /** A frame that is not JSON, or JSON that is not a valid message (RFC 6455 "invalid payload"). */
  invalidPayload: 1007,
  /** A frame over MAX_CLIENT_FRAME_BYTES. */
  tooBig: 1009,
  /** A flood of messages before the shell was even attached. */
  policyViolation: 1008,
  /** The runner is shutting down. */
  goingAway: 1001,
  /** The same lab's terminal was opened elsewhere (another tab): only one client drives a PTY. */
  replaced: 4000,
  /** The shell exited; the next connection starts a new one. */
  shellExited: 4001,
} as const;

const dimension = (name: string) =>
  z
    .number({ error: `expected "${name}" to be a number of character cells` })
    .int({ error: `expected "${name}" to be a whole number` })
    .min(1, { error: `expected "${name}" to be at least 1` })
    .max(1000, { error: `expected "${name}" to be at most 1000` });

export const inputMessageSchema = z.strictObject({
  type: z.literal('input'),
  /** Keystrokes or pasted text, written to the PTY as is. */
  data: z
    .string({ error: 'expected "data" to be a string of keystrokes' })
    .max(INPUT_CHUNK_CHARS * 2, { error: `expected "data" of at most ${INPUT_CHUNK_CHARS * 2} characters` }),
});

export const resizeMessageSchema = z.strictObject({
  type: z.literal('resize'),
  cols: dimension('cols'),
  rows: dimension('rows'),
});

export const ackMessageSchema = z.strictObject({
  type: z.literal('ack'),
  /** Output bytes the client has rendered since its last ack. */
  bytes: z
    .number({ error: 'expected "bytes" to be a number' })
    .int({ error: 'expected "bytes" to be a whole number' })
    .min(0)
    .max(1 << 30),
});

export const clientMessageSchema = z.discriminatedUnion(
  'type',
  [inputMessageSchema, resizeMessageSchema, ackMessageSchema],
  {
    error: 'expected a message {"type":"input"|"resize"|"ack", ...}',
  },
);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** First message after the upgrade: which shell the client is attached to. */
export const attachedMessageSchema = z.strictObject({
  type: z.literal('attached'),
  lab: z.string(),
  /** Pid of the shell: the same one after a reconnect. */
  pid: z.number().int(),
  /** True when this is an existing shell: the next binary frame is the replayed screen, so reset first. */
  resumed: z.boolean(),
  /** Whether the lab's sandbox environment was applied to the shell when it started. */
  sandbox: z.enum(['running', 'not-started']),
  cols: z.number().int(),
  rows: z.number().int(),
});

/** Text output, for clients that prefer JSON to binary frames (the runner sends binary). */
export const outputMessageSchema = z.strictObject({ type: z.literal('output'), data: z.string() });

export const exitMessageSchema = z.strictObject({
  type: z.literal('exit'),
  code: z.number().int(),
  signal: z.number().int().optional(),
});

/**
 * Input flow control: `chars` more characters of input (counted as the client counted them, in
 * `data.length` of its input messages) have been written to the shell's terminal.
 */
export const inputAckMessageSchema = z.strictObject({
  type: z.literal('inputAck'),
  chars: z.number().int().min(0),
});

/** A notice for the user that is not shell output, e.g. "the sandbox started; exit to pick up its environment". */
export const noticeMessageSchema = z.strictObject({ type: z.literal('notice'), message: z.string() });

export const serverMessageSchema = z.discriminatedUnion('type', [
  attachedMessageSchema,
  outputMessageSchema,
  exitMessageSchema,
  noticeMessageSchema,
  inputAckMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** The query string of the upgrade request. */
export const terminalQuerySchema = z.strictObject({
  lab: z
    .string({ error: 'expected ?lab=<lab id>' })
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'expected ?lab= to be a kebab-case lab id, e.g. terraform-state' }),
  cols: z.coerce.number().pipe(dimension('cols')).optional(),
  rows: z.coerce.number().pipe(dimension('rows')).optional(),
});

/** The path of the terminal endpoint. */
export const TERMINAL_PATH = '/api/terminal';
