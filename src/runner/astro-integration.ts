/**
 * `npm run dev`: the runner's API and terminal WebSocket inside Astro's dev server, so editing a
 * lab's MDX hot-reloads the page while its terminal keeps working.
 *
 * It mounts the very front door `dojo start` uses (createFrontDoor: Host, token, Origin checks and
 * the same routes) on Vite's connect middlewares and on the HTTP server's `upgrade` event. Only
 * /api/* and `?token=` requests are answered here; pages, assets and Vite's HMR socket stay Vite's.
 * The runner's modules load on the first dev-server start only, never during `astro build`.
 */
import type { AstroIntegration } from 'astro';

export function dojoRunnerIntegration(): AstroIntegration {
  return {
    name: 'gitops-dojo-runner',
    hooks: {
      'astro:server:setup': async ({ server, logger }) => {
        const { randomBytes } = await import('node:crypto');
        const { createFrontDoor } = await import('./runner-server.ts');
        const { allRoutes } = await import('./all-routes.ts');
        const { createRunnerContext } = await import('./runner-context.ts');
        const { labRuntime } = await import('./session-manager/lab-runtime.ts');
        const { dojoHome, labsDir } = await import('../shared/paths.ts');
        const { acquireHomeLock } = await import('./home-lock.ts');

        // One runner per DOJO_HOME (see home-lock.ts): with `npm start` already on it, the dev
        // server serves pages only and says why.
        let lock: ReturnType<typeof acquireHomeLock>;
        try {
          lock = acquireHomeLock(dojoHome());
        } catch (err) {
          logger.error(`runner API not mounted: ${(err as Error).message}`);
          return;
        }
        const token = process.env['DOJO_TOKEN'] || randomBytes(24).toString('base64url');
        // Nothing the dev server starts (shells, the emulator, scripts) inherits the token.
        delete process.env['DOJO_TOKEN'];
        const ctx = createRunnerContext(dojoHome(), labsDir);
        const runtime = labRuntime(ctx);
        const reaped = await runtime.reaper.reapLeftovers();
        // Astro may exit on Ctrl-C without closing the HTTP server: shells must not outlive it.
        process.once('exit', () => runtime.reaper.killAllSync());
        if (reaped.killed.length) logger.info(`stopped ${reaped.killed.length} process(es) left by an earlier run`);
        const { routes, upgrades, onClose } = allRoutes(ctx);
        const door = createFrontDoor({ token, routes, upgrades });

        server.middlewares.use((req, res, next) => {
          door
            .handleRequest(req, res)
            .then((handled) => {
              if (!handled) next();
            })
            .catch(next);
        });
        const http = server.httpServer;
        if (!http) return;
        http.on('upgrade', (req, socket, head) => {
          // Not under /api/: Vite's HMR socket, which Vite's own listener answers.
          door.handleUpgrade(req, socket, head);
        });
        const announce = () => {
          const address = http.address();
          if (!address || typeof address !== 'object') return;
          door.bind(address.address, address.port);
          lock.setUrl(
            `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
          );
          const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
          logger.info(`runner API mounted. Open http://${shown}:${address.port}/?token=${encodeURIComponent(token)}`);
        };
        if (http.listening) announce();
        else http.once('listening', announce);
        http.once('close', () => {
          void onClose().finally(() => {
            ctx.db.close();
            lock.release();
          });
        });
      },
    },
  };
}
