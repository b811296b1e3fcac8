import net from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';

/** Asks the kernel for a free loopback port. A tiny race remains until the caller binds it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel assigned'));
      });
    });
  });
}

/** Whether `port` can be bound on `host` right now. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * A port remembered in `file` across starts, so URLs that name it (git remotes, Argo CD
 * Applications) stay valid; a fresh one, written back, when it is taken or was never chosen.
 */
export async function stablePort(file: string, host = '127.0.0.1'): Promise<number> {
  const saved = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  const bindHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  if (saved > 0 && (await portIsFree(saved, host))) return saved;
  const port = await freePort(bindHost);
  await writeFile(file, String(port));
  return port;
}
