/** The runner's HTTP API routes that need no lab session. */
import { runDoctor } from '../doctor/doctor.ts';
import { loadLabs } from '../labs/load-labs.ts';
import { sendJson } from './http-helpers.ts';
import type { Route } from './runner-server.ts';

export function coreRoutes(labsDir: string): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/health',
      public: true,
      handler: ({ res }) => sendJson(res, 200, { ok: true }),
    },
    {
      method: 'GET',
      path: '/api/doctor',
      handler: async ({ res }) => {
        const { labs } = await loadLabs(labsDir);
        sendJson(res, 200, await runDoctor(labs));
      },
    },
  ];
}
