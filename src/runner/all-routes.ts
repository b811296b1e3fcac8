/**
 * Every HTTP route and WebSocket endpoint of the runner, in one place. Feature modules live in
 * routes/ and export a function of the RunnerContext; add one line here per module.
 */
import type { RunnerContext } from './runner-context.ts';
import type { Route, UpgradeRoute } from './runner-server.ts';
import { coreRoutes } from './api-routes.ts';
import { interviewRoutes } from './routes/interview-routes.ts';
import { labRuntime } from './session-manager/lab-runtime.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { terminalRoutes } from './routes/terminal-routes.ts';
import { labRoutes, sandboxAccessFrom } from './routes/lab-routes.ts';
import { gitopsRoutes } from './routes/gitops-routes.ts';
import { platformRoutes } from './routes/platform-routes.ts';

export function allRoutes(ctx: RunnerContext): {
  routes: Route[];
  upgrades: UpgradeRoute[];
  onClose: () => Promise<void>;
} {
  // Sandboxes and terminals the routes start; the runner stops them all when it closes.
  const runtime = labRuntime(ctx);
  const routes: Route[] = [
    ...coreRoutes(ctx.labsDir),
    ...sessionRoutes(runtime.sessions),
    ...gitopsRoutes(runtime.sessions),
    ...platformRoutes(runtime.sessions),
    ...interviewRoutes(ctx),
    ...labRoutes(ctx, sandboxAccessFrom(runtime.sessions, runtime.terminals)),
  ];
  const upgrades: UpgradeRoute[] = [...terminalRoutes(runtime.terminals, ctx.labsDir)];
  return { routes, upgrades, onClose: runtime.close };
}
