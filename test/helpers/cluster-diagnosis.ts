/**
 * What a failed cluster assertion prints: each process of each cluster of a DOJO_HOME, whether it
 * still runs, and the log tail of any that died. CI runs delete their temporary DOJO_HOME, so this
 * is the only evidence a flaky failure leaves.
 */
import { listProcessClusters } from '../../src/sandbox/process-cluster.ts';
import { readClusterRecord } from '../../src/sandbox/process-cluster/cluster-record.ts';
import { isRunning, logTail } from '../../src/sandbox/process-cluster/supervised-process.ts';

export function clusterProcessReport(dojoHome: string, names?: string[]): string {
  const lines: string[] = [];
  for (const name of names ?? listProcessClusters(dojoHome).map((c) => c.name)) {
    const record = readClusterRecord(dojoHome, name);
    if (!record) {
      lines.push(`cluster ${name}: no record`);
      continue;
    }
    lines.push(`cluster ${name} (ports ${JSON.stringify(record.ports)}):`);
    for (const c of record.components) {
      const alive = isRunning(c);
      lines.push(`  ${c.component} pid ${c.pid}: ${alive ? 'running' : 'NOT running'}`);
      if (!alive)
        lines.push(
          ...logTail(c.logFile, 15)
            .split('\n')
            .map((l) => `      ${l}`),
        );
    }
  }
  return lines.join('\n');
}
