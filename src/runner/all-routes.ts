/**
 * Every HTTP route and WebSocket endpoint of the runner, in one place. Feature modules live in
 * routes/ and export a function of the RunnerContext; add one line here per module.
 */
import type { RunnerContext } from './runner-context.ts';
import type { Route, UpgradeRoute } from './runner-server.ts';
import { coreRoutes } from './api-routes.ts';

export function allRoutes(ctx: RunnerContext): { routes: Route[]; upgrades: UpgradeRoute[] } {
  const routes: Route[] = [...coreRoutes(ctx.labsDir)];
  const upgrades: UpgradeRoute[] = [];
  return { routes, upgrades };
}
