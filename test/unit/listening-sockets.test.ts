/**
 * listensOn tells which process holds a port. The cluster's readiness probes rely on it: "something
 * answers on the scheduler's port" once declared ready a scheduler that then died because another
 * program held that port.
 */
import net from 'node:net';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { listensOn } from '../../src/sandbox/listening-sockets.ts';

const listen = () =>
  new Promise<net.Server>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });

describe.runIf(process.platform === 'linux')('listensOn (Linux, /proc)', () => {
  it('is true for the process that listens and false for any other process', async () => {
    const own = await listen();
    const ownPort = (own.address() as net.AddressInfo).port;
    const child = execa(process.execPath, [
      '-e',
      "const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))",
    ]);
    try {
      const childPort = await new Promise<number>((resolve) =>
        child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
      );
      expect(listensOn(process.pid, ownPort)).toBe(true);
      expect(listensOn(process.pid, childPort)).toBe(false);
      expect(listensOn(child.pid ?? 0, childPort)).toBe(true);
      expect(listensOn(child.pid ?? 0, ownPort)).toBe(false);
    } finally {
      child.kill();
      own.close();
      await child.catch(() => undefined);
    }
  });
});
