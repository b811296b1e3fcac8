/**
 * `dojo start`: build the site if it is missing or stale, then serve it and the API from one
 * process on loopback, print the launch URL (with its one-time token) and open the browser.
 */
import path from 'node:path';
import open from 'open';
import { buildSite, siteIsStale } from '../runner/site-build.ts';
import { startRunner } from '../runner/runner-server.ts';
import { allRoutes } from '../runner/all-routes.ts';
import { createRunnerContext } from '../runner/runner-context.ts';
import { isLoopbackHost } from '../runner/security.ts';
import { labRuntime } from '../runner/session-manager/lab-runtime.ts';
import { reapProcessClusters } from '../sandbox/process-cluster.ts';
import { Reaper } from '../runner/reaper.ts';
import { acquireHomeLock, HomeLockedError } from '../runner/home-lock.ts';
import { DatabaseOpenError } from '../runner/dojo-database.ts';
import { logRunnerError } from '../runner/runner-log.ts';
import { distDir, dojoHome, labsDir } from '../shared/paths.ts';
import { parseOptions } from './parse-options.ts';
import { UsageError } from './usage-error.ts';

const HELP = `Usage: dojo start [--port N] [--host H] [--allow-remote] [--no-open] [--no-build]

Serves GitOps Dojo on http://127.0.0.1:4321 and prints the URL with its launch token.

  --port N         Port to listen on (default 4321; 0 picks a free one)
  --host H         Address to bind (default 127.0.0.1). A non-loopback address needs --allow-remote.
  --allow-remote   Allow binding a non-loopback address. Anyone who can reach it and has the token
                   gets a shell on this machine: use only on a network you trust.
  --no-open        Do not open the browser
  --no-build       Serve dist/ as it is, even if it is older than the sources

Environment: DOJO_TOKEN fixes the token (scripts, tests); DOJO_HOME sets the data folder;
DOJO_LABS_DIR and DOJO_SANDBOXES_DIR serve labs and sandboxes from other folders (tests).`;

/**
 * What to say when the port is taken (instead of Node's `listen EADDRINUSE`): whether it is another
 * GitOps Dojo runner (it answers /api/health; a different DOJO_HOME, or the home lock would have
 * said so first) or some other program, and the two ways out.
 */
async function portInUseMessage(host: string, port: number): Promise<string> {
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const health = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(2000) })
    .then(async (r) => ((await r.json()) as { ok?: unknown }).ok === true)
    .catch(() => false);
  const who = health
    ? `another GitOps Dojo runner (with another DOJO_HOME) is already serving ${origin}. Use that one (its URL with the token was printed where it started), or stop it with Ctrl-C there`
    : `port ${port} on ${host} is already in use by another program. Stop that program`;
  return `dojo start: ${who}, or start this one on another port: npm start -- --port ${port === 4321 ? 4322 : port + 1} (--port 0 picks any free port).`;
}

export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseOptions(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'allow-remote': { type: 'boolean' },
    'no-open': { type: 'boolean' },
    'no-build': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = values.port === undefined ? 4321 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`expected --port to be a whole number from 0 to 65535, found "${values.port}"`);
  }
  const host = values.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    if (!values['allow-remote']) {
      throw new UsageError(
        `refusing to bind ${host}: it is not a loopback address and this server can open a shell on your machine. Add --allow-remote if you really mean it.`,
      );
    }
    console.warn(
      `WARNING: binding ${host}. Anyone who can reach this address and has the token gets a shell on this machine.`,
    );
  }
  const token = process.env['DOJO_TOKEN'] || undefined;
  // Read once, then gone from this process: nothing it starts (the emulator, step scripts, checks'
  // tools, shells) inherits the token.
  delete process.env['DOJO_TOKEN'];

  if (!values['no-build'] && (await siteIsStale(distDir))) {
    await buildSite((line) => console.log(line));
  }

  const labs = process.env['DOJO_LABS_DIR'] ? path.resolve(process.env['DOJO_LABS_DIR']) : labsDir;
  const home = dojoHome();
  let lock;
  try {
    lock = acquireHomeLock(home);
  } catch (err) {
    if (err instanceof HomeLockedError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  // Before anything else (and even when the database turns out unreadable): stop the shells and
  // sandboxes a crashed earlier run (kill -9, power loss) left behind.
  const reaped = await new Reaper(home).reapLeftovers();
  if (reaped.killed.length) {
    console.log(`Stopped ${reaped.killed.length} process(es) left by an earlier run that did not shut down cleanly:`);
    for (const p of reaped.killed) console.log(`  pid ${p.pid}  ${p.kind} of ${p.lab}  (${p.command})`);
  }
  // Process clusters of a runner that died (and not kept warm) stop too; their data stays, so the
  // lab's next start brings them back with every object the learner made.
  for (const c of await reapProcessClusters(home)) {
    console.log(
      `Stopped cluster ${c.name} (${c.stopped} process(es)) left running by an earlier run; its data is kept.`,
    );
  }
  let ctx;
  try {
    ctx = createRunnerContext(home, labs);
  } catch (err) {
    lock.release();
    if (err instanceof DatabaseOpenError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const runtime = labRuntime(ctx);
  // A background task that fails must be logged, not end the runner (and the learner's shells).
  process.on('unhandledRejection', (err) => logRunnerError('unhandled rejection (the runner keeps running)', err));
  // Last resort on a crash: processes must not outlive the runner even when the orderly close cannot run.
  process.once('exit', () => runtime.reaper.killAllSync());
  let runner;
  try {
    runner = await startRunner({ host, port, distDir, ...allRoutes(ctx), ...(token ? { token } : {}) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    await runtime.close();
    ctx.db.close();
    lock.release();
    console.error(await portInUseMessage(host, port));
    return 1;
  }
  lock.setUrl(runner.origin);
  console.log(`\nGitOps Dojo is running. Open:\n\n  ${runner.launchUrl}\n\nPress Ctrl-C to stop.`);
  if (!values['no-open'] && !process.env['CI']) {
    open(runner.launchUrl).catch(() => console.log('(could not open a browser; copy the URL above)'));
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        // A second Ctrl-C: do not wait for polite shutdowns any longer.
        console.log(`\n${signal} again: killing everything now.`);
        runtime.reaper.killAllSync();
        process.exit(130);
      }
      stopping = true;
      console.log(`\n${signal}: stopping terminals and sandboxes…`);
      resolve();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  await runner.close();
  ctx.db.close();
  lock.release();
  return 0;
}
