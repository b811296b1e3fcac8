/**
 * Closing the runner while a request is being handled: the handler finishes before the shutdown
 * hooks run (and before a caller removes DOJO_HOME), and a request that arrives on a kept-alive
 * connection after close began is answered 503 instead of reaching a handler.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRunner } from '../../src/runner/runner-server.ts';

const TOKEN = 'shutdown-token';

function get(port: number, pathname: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: pathname, agent, headers: { authorization: `Bearer ${TOKEN}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

describe('runner shutdown', () => {
  it('waits for a request in flight before its close hooks run, and answers 503 to later requests', async () => {
    const events: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const runner = await startRunner({
      port: 0,
      token: TOKEN,
      distDir: path.join(os.tmpdir(), 'dojo-no-dist'),
      routes: [
        {
          method: 'GET',
          path: '/api/slow',
          handler: async ({ res }) => {
            entered();
            await released;
            events.push('handler finished');
            res.writeHead(200, { 'Content-Type': 'text/plain' });
            res.end('done');
          },
        },
        {
          method: 'GET',
          path: '/api/fast',
          handler: ({ res }) => {
            events.push('fast handler ran');
            res.end('fast');
          },
        },
      ],
      onClose: () => {
        events.push('close hooks');
        return Promise.resolve();
      },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // A kept-alive connection that is busy when close starts.
      const slow = get(runner.port, '/api/slow', agent);
      await inHandler;
      const closed = runner.close();
      // Queued on the same socket, so it reaches the server after close began.
      const late = get(runner.port, '/api/fast', agent).catch((err: Error) => ({ status: -1, body: err.message }));
      await new Promise((r) => setTimeout(r, 200));
      expect(events).toEqual([]);
      release();
      expect(await slow).toEqual({ status: 200, body: 'done' });
      await closed;
      expect(events).toEqual(['handler finished', 'close hooks']);
      const answer = await late;
      // Either the 503 or a refused connection: never the handler.
      expect([503, -1]).toContain(answer.status);
      expect(events).not.toContain('fast handler ran');
    } finally {
      agent.destroy();
      release();
      await runner.close();
    }
  });
});
