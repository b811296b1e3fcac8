/**
 * The lab API (see src/shared/lab-api.ts for the contract): check a step, the hint ladder, reveal
 * or apply a solution, stage a step's setup, reset a step. Everything that touches a workspace runs
 * through a per-lab queue, so a Check never reads a workspace a solution is halfway through writing.
 */
import path from 'node:path';
import type { LoadedLab } from '../../labs/load-labs.ts';
import { loadLab } from '../../labs/load-labs.ts';
import { ValidationError } from '../../shared/friendly-error.ts';
import { runStepChecks } from '../../checks/check-engine.ts';
import { toolEnv } from '../../sandbox/which.ts';
import { ensureWorkspace, resetWorkspace } from '../../labs/lab-workspace.ts';
import { applySolution, readSolution, runSetup, StepScriptError } from '../../labs/step-scripts.ts';
import type {
  HintReveal,
  LabProgress,
  ResetResult,
  ScriptRun,
  SolutionReveal,
  StepProgress,
} from '../../shared/lab-api.ts';
import { REBUILD_LABEL } from '../../shared/lab-api.ts';
import type { StepResult } from '../../shared/check-result.ts';
import { sandboxDataDir } from '../../sandbox/sandbox-persistence.ts';
import { existsSync } from 'node:fs';
import { workspaceDir } from '../../shared/paths.ts';
import { mkdir, rename } from 'node:fs/promises';
import { HttpError, sendJson } from '../http-helpers.ts';
import type { Route } from '../runner-server.ts';
import type { RunnerContext } from '../runner-context.ts';
import { ProgressStore } from '../progress-store.ts';
import { WorkspaceWatcher } from '../workspace-watcher.ts';
import { retryWhileBusy } from '../dojo-database.ts';
import { logRunnerError } from '../runner-log.ts';
import type { SessionManager } from '../session-manager.ts';
import type { TerminalManager } from '../terminal/terminal-manager.ts';

/** What the lab routes need from the session manager. */
export interface SandboxAccess {
  environment(lab: string): Record<string, string> | null;
  start(lab: string): Promise<unknown>;
  stop(lab: string): Promise<unknown>;
  /** Resolves when the lab's sandbox is running, rejects when its start failed. */
  whenRunning(lab: string, timeoutMs: number): Promise<void>;
  /** Ends the lab's shell (its folder is about to move to the backups); the page opens a new one. */
  endShell?(lab: string): Promise<void>;
  /** When the data the running sandbox holds began (ISO), or null (see SessionManager). */
  dataSince?(lab: string): string | null;
}

/**
 * A check that fails after the sandbox started empty, while earlier passes predate that, is most
 * likely about lost data, not about the learner's work: say so, and what brings it back.
 */
export function explainLostData(result: StepResult, progress: StepProgress[], dataSince: string | null): StepResult {
  if (result.status === 'pass' || !dataSince) return result;
  const since = Date.parse(dataSince);
  // Passes proven only before the data began; one checked again since (a rebuild does) is not stale.
  const stale = progress.filter((p) => p.passedAt !== null && Date.parse(p.lastPassedAt ?? p.passedAt) < since);
  if (!stale.length) return result;
  const at = new Date(since).toISOString().slice(11, 16);
  const note =
    `The sandbox started empty at ${at} UTC, after ${stale.map((p) => p.step).join(', ')} passed: what those steps built in it is gone. ` +
    `Press "${REBUILD_LABEL}" to replay them from their solutions (your workspace is backed up first), or Reset step.`;
  return { ...result, message: result.message ? `${result.message} ${note}` : note };
}

export function labRoutes(ctx: RunnerContext, sandboxes: SandboxAccess, watcher = new WorkspaceWatcher()): Route[] {
  const store = new ProgressStore(ctx.db);
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(lab: string, work: () => Promise<T>): Promise<T> => {
    const prev = queues.get(lab) ?? Promise.resolve();
    const next = prev.then(work, work);
    queues.set(
      lab,
      next.catch(() => undefined),
    );
    return next;
  };

  const lab = async (id: string | undefined): Promise<LoadedLab> => {
    if (!id || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id))
      throw new HttpError(400, `expected a lab id, found "${id ?? ''}"`);
    try {
      return await loadLab(ctx.labsDir, id);
    } catch (err) {
      if (err instanceof ValidationError)
        throw new HttpError(404, `no lab "${id}"`, 'See the catalog for the labs there are.');
      throw err;
    }
  };
  const step = (l: LoadedLab, id: string | undefined) => {
    const s = l.manifest.steps.find((x) => x.id === id);
    if (!s)
      throw new HttpError(
        404,
        `lab ${l.id} has no step "${id ?? ''}"; its steps are ${l.manifest.steps.map((x) => x.id).join(', ')}`,
      );
    return s;
  };
  const env = (labId: string) => ({ ...toolEnv(), ...(sandboxes.environment(labId) ?? {}) });
  const explained = (l: LoadedLab, result: StepResult) =>
    explainLostData(
      result,
      store.forLab(
        l.id,
        l.manifest.steps.map((x) => x.id),
      ),
      sandboxes.dataSince?.(l.id) ?? null,
    );
  const requireSandbox = (labId: string) => {
    if (!sandboxes.environment(labId)) {
      throw new HttpError(
        409,
        'the lab sandbox is not running',
        'Press "Start sandbox" first: this needs the emulator and the tools it configures.',
      );
    }
  };
  const scriptError = (err: unknown): never => {
    if (err instanceof StepScriptError) throw new HttpError(500, err.message);
    throw err;
  };

  return [
    {
      // Background re-check: an SSE stream of `check` events (StepResult) for the first step not
      // yet passed, run after files in the workspace change. Only while the sandbox runs.
      method: 'GET',
      path: '/api/labs/:lab/watch',
      handler: async ({ req, res, params }) => {
        const l = await lab(params['lab']);
        const workspace = await ensureWorkspace(l, ctx.dojoHome);
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
        });
        res.write('retry: 5000\n\n');
        let running = false;
        const recheck = () => {
          if (running || !sandboxes.environment(l.id)) return;
          const current = store
            .forLab(
              l.id,
              l.manifest.steps.map((s) => s.id),
            )
            .find((s) => s.status !== 'pass');
          if (!current) return;
          running = true;
          // Nothing here may reject unhandled: this runs in the background, and an unhandled
          // rejection would end the runner (a write-locked database did, issue 12).
          void serial(l.id, () => runStepChecks(l, current.step, { workspace, env: env(l.id) }))
            .then((result) => explained(l, result))
            .then(async (result) => {
              await retryWhileBusy(
                () => store.recordCheck(result),
                `saving the background check of ${l.id}/${result.step}`,
              );
              if (!res.destroyed) res.write(`event: check\ndata: ${JSON.stringify(result)}\n\n`);
            })
            .catch((err: unknown) => {
              // The runner closed its database while this check ran (it is stopping, or an embedding
              // process such as `npm run dev` restarted it): the result has nowhere to go, and the
              // next runner re-checks on load. Not a failure worth an error on the console.
              if (!ctx.db.isOpen) return;
              logRunnerError(`background re-check of ${l.id} failed`, err);
            })
            .finally(() => {
              running = false;
            });
        };
        const off = watcher.subscribe(workspace, recheck);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        req.on('close', () => {
          clearInterval(heartbeat);
          off();
        });
      },
    },
    {
      method: 'GET',
      path: '/api/labs/:lab/progress',
      handler: async ({ res, params }) => {
        const l = await lab(params['lab']);
        // Read only: the catalog asks this of every lab, and reading must not create a workspace
        // for labs the learner never opened. The terminal, a check or a step script creates it.
        const body: LabProgress = {
          lab: l.id,
          workspace: workspaceDir(ctx.dojoHome, l.id),
          steps: store.forLab(
            l.id,
            l.manifest.steps.map((s) => s.id),
          ),
        };
        sendJson(res, 200, body);
      },
    },
    {
      method: 'POST',
      path: '/api/labs/:lab/steps/:step/check',
      handler: async ({ res, params }) => {
        const l = await lab(params['lab']);
        const s = step(l, params['step']);
        const result = await serial(l.id, async () => {
          const workspace = await ensureWorkspace(l, ctx.dojoHome);
          return explained(l, await runStepChecks(l, s.id, { workspace, env: env(l.id) }));
        });
        await retryWhileBusy(() => store.recordCheck(result), `saving the check of ${l.id}/${s.id}`);
        sendJson(res, 200, result);
      },
    },
    {
      method: 'POST',
      path: '/api/labs/:lab/steps/:step/hint',
      handler: async ({ res, params }) => {
        const l = await lab(params['lab']);
        const s = step(l, params['step']);
        if (s.hints.length === 0) throw new HttpError(404, `step ${s.id} has no hints`);
        const index = store.revealHint(l.id, s.id, s.hints.length);
        const body: HintReveal = { step: s.id, index, total: s.hints.length, hints: s.hints.slice(0, index) };
        sendJson(res, 200, body);
      },
    },
    {
      // POST, not GET: revealing is recorded (progress changes), and only state-changing methods
      // carry the Origin check a page on another local port cannot pass.
      method: 'POST',
      path: '/api/labs/:lab/steps/:step/solution',
      handler: async ({ res, params }) => {
        const l = await lab(params['lab']);
        const s = step(l, params['step']);
        const script = await readSolution(l, s.id);
        if (script === null) throw new HttpError(404, `lab ${l.id} has no solution/${s.id}.sh`);
        store.mark(l.id, s.id, 'solution_revealed');
        const body: SolutionReveal = { step: s.id, file: path.posix.join('solution', `${s.id}.sh`), script };
        sendJson(res, 200, body);
      },
    },
    {
      method: 'POST',
      path: '/api/labs/:lab/steps/:step/solve',
      handler: async ({ res, params }) => {
        const l = await lab(params['lab']);
        const s = step(l, params['step']);
        requireSandbox(l.id);
        const body = await serial(l.id, async (): Promise<ScriptRun> => {
          const workspace = await ensureWorkspace(l, ctx.dojoHome);
          const run = await applySolution(l, s.id, workspace, env(l.id)).catch(scriptError);
          const result = await runStepChecks(l, s.id, { workspace, env: env(l.id) });
          return { step: s.id, ...run, result };
        });
        store.mark(l.id, s.id, 'solution_applied');
        if (body.result) store.recordCheck(body.result);
        sendJson(res, 200, body);
      },
    },
    {
      method: 'POST',
      path: '/api/labs/:lab/steps/:step/setup',
      handler: async ({ res, params }) => {
        const l = await lab(params['lab']);
        const s = step(l, params['step']);
        if (!s.setup) throw new HttpError(404, `step ${s.id} has no setup`);
        requireSandbox(l.id);
        const body = await serial(l.id, async (): Promise<ScriptRun> => {
          const workspace = await ensureWorkspace(l, ctx.dojoHome);
          const run = await runSetup(l, s.id, workspace, env(l.id)).catch(scriptError);
          if (!run) throw new HttpError(404, `step ${s.id} has no setup`);
          return { step: s.id, ...run };
        });
        if (body.ok) store.mark(l.id, s.id, 'setup_done');
        sendJson(res, 200, body);
      },
    },
    {
      method: 'POST',
      path: '/api/labs/:lab/steps/:step/reset',
      handler: async ({ res, params }) => {
        const l = await lab(params['lab']);
        const s = step(l, params['step']);
        const body = await serial(l.id, async (): Promise<ResetResult> => {
          // A step's starting point is: a fresh starter, a fresh emulator, and every earlier step
          // replayed from its proven solution. The old workspace is moved aside first, never deleted.
          const hadSandbox = sandboxes.environment(l.id) !== null;
          await sandboxes.endShell?.(l.id);
          if (hadSandbox) await sandboxes.stop(l.id);
          const { workspace, backup } = await resetWorkspace(l, ctx.dojoHome);
          // The emulator must start empty too: its kept data goes to the backups, not away.
          const data = sandboxDataDir(ctx.dojoHome, l.id, l.manifest.sandbox);
          if (existsSync(data)) {
            const aside = path.join(
              ctx.dojoHome,
              'backups',
              `${l.id}-sandbox-data-${new Date().toISOString().replace(/[:.]/g, '-')}`,
            );
            await mkdir(path.dirname(aside), { recursive: true, mode: 0o700 });
            await rename(data, aside);
          }
          const replayed: string[] = [];
          const before = l.manifest.steps.slice(
            0,
            l.manifest.steps.findIndex((x) => x.id === s.id),
          );
          if (hadSandbox || before.length) {
            await sandboxes.start(l.id);
            await sandboxes.whenRunning(l.id, 180_000);
          }
          for (const prev of before) {
            if (prev.setup) {
              const r = await runSetup(l, prev.id, workspace, env(l.id)).catch(scriptError);
              if (r && !r.ok) throw new HttpError(500, `replaying setup of ${prev.id} failed: ${r.output.slice(-400)}`);
            }
            const r = await applySolution(l, prev.id, workspace, env(l.id)).catch(scriptError);
            if (!r.ok) throw new HttpError(500, `replaying the solution of ${prev.id} failed: ${r.output.slice(-400)}`);
            // Checked, not assumed: the step's pass is proven again on the new data (or its
            // failure recorded, which the page then shows).
            const check = await runStepChecks(l, prev.id, { workspace, env: env(l.id) });
            await retryWhileBusy(() => store.recordCheck(check), `saving the check of replayed ${l.id}/${prev.id}`);
            replayed.push(prev.id);
          }
          for (const later of l.manifest.steps.slice(before.length)) store.clear(l.id, later.id);
          return { step: s.id, backup, workspace, replayed };
        });
        sendJson(res, 200, body);
      },
    },
  ];
}

/** Adapts the runner's SessionManager (and terminals) to what the lab routes need. */
export function sandboxAccessFrom(sessions: SessionManager, terminals?: TerminalManager): SandboxAccess {
  return {
    endShell: async (lab) => {
      await terminals?.get(lab)?.kill();
    },
    environment: (lab) => sessions.environment(lab),
    dataSince: (lab) => sessions.dataSince(lab),
    start: (lab) => sessions.start(lab),
    stop: (lab) => sessions.stop(lab),
    whenRunning: (lab, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new HttpError(504, `the sandbox of ${lab} did not start within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const settle = (state: string, error?: string) => {
          if (state === 'running') {
            clearTimeout(timer);
            off();
            resolve();
          } else if (state === 'failed' || state === 'stopped') {
            clearTimeout(timer);
            off();
            reject(new HttpError(500, `the sandbox of ${lab} did not start: ${error ?? state}`));
          }
        };
        const off = sessions.subscribe(lab, (e) => settle(e.state, e.message));
        void sessions.status(lab).then((s) => settle(s.state === 'stopped' ? 'starting' : s.state, s.error));
      }),
  };
}
