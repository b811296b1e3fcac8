/**
 * Marks a file descriptor close-on-exec (FD_CLOEXEC), so that no program the runner starts later
 * inherits it.
 *
 * Why: node-pty 1.1.0 returns the PTY master from forkpty() without FD_CLOEXEC, so every later
 * child (moto_server, step scripts, the next lab's shell, terraform in a check) held an open handle
 * on the learner's terminal: it could read the keystrokes, and the shell never saw the hang-up when
 * the runner closed its end. Node has no fcntl(); koffi (a prebuilt FFI, no compiler needed) calls
 * libc's. Where koffi or libc cannot be loaded the flag is not set and `setCloseOnExec` says so.
 */
import { createRequire } from 'node:module';
import createDebug from 'debug';

const debug = createDebug('dojo:runner:pty');

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

type Fcntl = (fd: number, cmd: number, ...rest: unknown[]) => number;

let fcntl: Fcntl | null | undefined;

function loadFcntl(): Fcntl | null {
  if (fcntl !== undefined) return fcntl;
  fcntl = null;
  if (process.platform === 'win32') return fcntl;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load: (name: string) => { func: (decl: string) => Fcntl };
    };
    const names = process.platform === 'darwin' ? ['libSystem.B.dylib'] : ['libc.so.6', 'libc.so'];
    for (const name of names) {
      try {
        // fcntl is variadic: declared as such, so the third argument goes where the ABI puts varargs.
        fcntl = koffi.load(name).func('int fcntl(int fd, int cmd, ...)');
        break;
      } catch (err) {
        debug('could not load %s for fcntl: %s', name, (err as Error).message);
      }
    }
  } catch (err) {
    debug('koffi is not available, PTY fds stay inheritable: %s', (err as Error).message);
  }
  return fcntl;
}

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = process.platform === 'darwin' ? 0x0004 : 0o4000;

/**
 * Makes `fd` non-blocking (node-pty already opens the PTY master so; this makes sure): input is
 * written with write(2) on the event loop, which must get EAGAIN rather than wait for the shell.
 * Returns whether the flag is set (false when fcntl is not available).
 */
export function setNonBlocking(fd: number): boolean {
  const f = loadFcntl();
  if (!f || !Number.isInteger(fd) || fd < 0) return false;
  const flags = f(fd, F_GETFL, 'int', 0);
  if (flags < 0) return false;
  if ((flags & O_NONBLOCK) === 0 && f(fd, F_SETFL, 'int', flags | O_NONBLOCK) < 0) return false;
  return (f(fd, F_GETFL, 'int', 0) & O_NONBLOCK) !== 0;
}

/** Sets FD_CLOEXEC on `fd`; returns whether the flag is set now. */
export function setCloseOnExec(fd: number): boolean {
  const f = loadFcntl();
  if (!f || !Number.isInteger(fd) || fd < 0) return false;
  const flags = f(fd, F_GETFD, 'int', 0);
  if (flags < 0) return false;
  if ((flags & FD_CLOEXEC) === 0 && f(fd, F_SETFD, 'int', flags | FD_CLOEXEC) < 0) return false;
  return (f(fd, F_GETFD, 'int', 0) & FD_CLOEXEC) !== 0;
}
