/**
 * `GET /api/terminal?lab=<id>[&cols=N&rows=N]` upgraded to a WebSocket (see
 * src/shared/terminal-protocol.ts). The runner has already checked Host, Origin and the token;
 * this route checks the query and that the lab exists, then hands the socket to TerminalManager.
 *
 * Every client frame goes through the zod schema. A bad frame closes that socket (1007, or 1009
 * from `ws` itself for an oversized one) with a reason; it never throws into the runner. A ping
 * every 30 s drops connections whose peer vanished without a close.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import createDebug from 'debug';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { describeIssues } from '../../shared/friendly-error.ts';
import {
  CLOSE,
  clientMessageSchema,
  MAX_CLIENT_FRAME_BYTES,
  TERMINAL_PATH,
  terminalQuerySchema,
  type ClientMessage,
} from '../../shared/terminal-protocol.ts';
import type { UpgradeRoute } from '../runner-server.ts';
import { closeReason } from '../terminal/close-reason.ts';
import type { TerminalManager } from '../terminal/terminal-manager.ts';

const debug = createDebug('dojo:runner:terminal');
const HEARTBEAT_MS = 30_000;
/** Messages kept while the shell starts (it takes milliseconds); a flood beyond this is refused. */
const MAX_EARLY_MESSAGES = 256;

function refuseUpgrade(socket: Duplex, status: number, statusText: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Parses one client frame; returns the message, or the close code and reason. */
export function parseClientFrame(data: RawData, isBinary: boolean): ClientMessage | { code: number; reason: string } {
  if (isBinary) {
    return { code: CLOSE.invalidPayload, reason: 'expected JSON text frames, found a binary frame' };
  }
  let json: unknown;
  try {
    json = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString() : data.toString());
  } catch {
    return { code: CLOSE.invalidPayload, reason: 'expected a JSON message, found text that is not JSON' };
  }
  const parsed = clientMessageSchema.safeParse(json);
  if (!parsed.success) return { code: CLOSE.invalidPayload, reason: describeIssues(parsed.error).join('; ') };
  return parsed.data;
}

export function terminalRoutes(terminals: TerminalManager, labsDir: string): UpgradeRoute[] {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false });
  const alive = new WeakSet<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        debug('no pong: terminating a terminal socket');
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  terminals.onClose(() => {
    clearInterval(heartbeat);
    for (const ws of wss.clients) ws.close(CLOSE.goingAway, 'the runner is shutting down');
    // A client that stopped reading never answers the close frame, and its socket would hold the
    // runner's exit for ws's 30 s close timeout: give them a second, then cut.
    setTimeout(() => {
      for (const ws of wss.clients) ws.terminate();
    }, 1000).unref();
    wss.close();
  });

  function connection(ws: WebSocket, lab: string, size: { cols: number; rows: number } | undefined): void {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // `ws` closes an oversized frame itself, with 1009 and no reason. Every close of ours says why.
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer) =>
      close(
        code,
        reason ??
          (code === CLOSE.tooBig
            ? `expected frames of at most ${MAX_CLIENT_FRAME_BYTES} bytes; split the input`
            : undefined),
      );
    // Reported after the 1009 close above; listening here keeps it from being thrown.
    ws.on('error', (err) => debug('terminal socket error for %s: %s', lab, err.message));
    let attached = false;
    const early: ClientMessage[] = [];
    let session: Awaited<ReturnType<TerminalManager['attach']>> | undefined;
    ws.on('message', (data, isBinary) => {
      const message = parseClientFrame(data, isBinary);
      if ('code' in message) {
        debug('closing terminal socket for %s: %s', lab, message.reason);
        ws.close(message.code, closeReason(message.reason));
        return;
      }
      // The manager's current shell, not the one first attached: it may have been swapped for one
      // with the sandbox's environment (see TerminalManager).
      if (attached && session) (terminals.get(lab) ?? session).handle(ws, message);
      else if (early.length < MAX_EARLY_MESSAGES) early.push(message);
      else ws.close(CLOSE.policyViolation, 'expected at most 256 messages before the shell is attached');
    });
    ws.on('close', () => terminals.detach(lab, ws));
    terminals
      .attach(lab, ws, size)
      .then((s) => {
        session = s;
        attached = true;
        for (const m of early.splice(0)) s.handle(ws, m);
      })
      .catch((err: unknown) => {
        debug('attach failed for %s: %O', lab, err);
        if (ws.readyState === WebSocket.OPEN) {
          ws.close(1011, closeReason(`could not start a shell: ${(err as Error).message}`));
        }
      });
  }

  return [
    {
      path: TERMINAL_PATH,
      handler: (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
        const query = terminalQuerySchema.safeParse(Object.fromEntries(url.searchParams));
        if (!query.success) {
          return refuseUpgrade(
            socket,
            400,
            'Bad Request',
            `invalid terminal request: ${describeIssues(query.error).join('; ')}`,
          );
        }
        const { lab, cols, rows } = query.data;
        if (!existsSync(path.join(labsDir, lab, 'index.mdx'))) {
          return refuseUpgrade(
            socket,
            404,
            'Not Found',
            `expected an existing lab id, found "${lab}": no labs/${lab}/index.mdx`,
          );
        }
        const size = cols !== undefined && rows !== undefined ? { cols, rows } : undefined;
        wss.handleUpgrade(req, socket, head, (ws) => connection(ws, lab, size));
      },
    },
  ];
}
