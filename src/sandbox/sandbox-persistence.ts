/**
 * Whether a sandbox's services keep what the learner built across a Stop, a crash of the service
 * and a runner restart, and where they keep it. The runner shows `note` before a Stop (and on the
 * lab page when nothing survives), re-verifies old passes when data was lost, and moves the data
 * folder to the backups on Reset step (never deletes it).
 */
import path from 'node:path';

export interface SandboxPersistence {
  /** True when the data comes back after a stop, a crash of the service or a runner restart. */
  survivesRestart: boolean;
  /** One sentence for the learner: what is kept or lost, said before it happens. */
  note: string;
  /** State-changing requests replayed into the service at this start (0: it started empty). */
  restoredRequests: number;
}

/** Where a lab's sandbox keeps its services' data: DOJO_HOME/sandbox-data/<lab>/<sandbox>. */
export function sandboxDataDir(dojoHome: string, lab: string, sandboxId: string): string {
  return path.join(dojoHome, 'sandbox-data', lab, sandboxId);
}
