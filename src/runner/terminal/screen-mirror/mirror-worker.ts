/**
 * Worker thread of ScreenMirror: a headless xterm fed every byte the PTY wrote, serialized on
 * request. Messages are handled in order, so a `serialize` sees every `write` sent before it.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import headlessPackage from '@xterm/headless';
import serializePackage from '@xterm/addon-serialize';
import type { MirrorReply, MirrorRequest } from '../screen-mirror.ts';

const { Terminal } = headlessPackage;
const { SerializeAddon } = serializePackage;
// Parsing is catch-up work: give the CPU to the shell's programs and to the bridge first. On Linux
// a thread has its own nice value, and /proc/thread-self names this thread's id.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
} catch {
  // not Linux, or not allowed: parse at normal priority
}

const options = workerData as { cols: number; rows: number; scrollback: number };
const term = new Terminal({
  cols: options.cols,
  rows: options.rows,
  scrollback: options.scrollback,
  allowProposedApi: true,
});
const serializer = new SerializeAddon();
// The addon's typings name the browser Terminal; the headless one has the same API.
term.loadAddon(serializer as never);

const port = parentPort;
if (!port) throw new Error('mirror-worker.ts must run as a worker thread');
const reply = (message: MirrorReply) => port.postMessage(message);

port.on('message', (message: MirrorRequest) => {
  switch (message.type) {
    case 'write': {
      const bytes = message.data.byteLength;
      term.write(message.data, () => reply({ type: 'parsed', bytes }));
      break;
    }
    case 'resize':
      term.resize(message.cols, message.rows);
      break;
    case 'serialize':
      // Runs after everything written before it is parsed.
      term.write('', () =>
        reply({
          type: 'serialized',
          id: message.id,
          data: serializer.serialize({ scrollback: options.scrollback }),
          cols: term.cols,
          rows: term.rows,
        }),
      );
      break;
  }
});
