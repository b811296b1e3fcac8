/**
 * `npm run bench:checks`: latency of each terraform-state step's check on a realistic workspace
 * (the lab solved up to and including that step, so every check passes), p50 and p95 over N runs,
 * and what dominates (time per observation). Side by side, the peer: the floor any show-based
 * grader pays, one `show -json` of the same workspace run directly; the ratio says what our
 * engine adds or saves on top of it.
 *
 * Usage: npm run bench:checks [-- --runs 20] [-- --terraform tofu|terraform]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runStepChecks } from '../src/checks/check-engine.ts';
import { ensureWorkspace } from '../src/labs/lab-workspace.ts';
import { applySolution, runSetup } from '../src/labs/step-scripts.ts';
import { loadSandbox } from '../src/sandbox/load-sandbox.ts';
import { detectTerraformCli, type TerraformFlavor } from '../src/sandbox/terraform-cli.ts';
import { toolEnv } from '../src/sandbox/which.ts';
import { loadLab } from '../src/labs/load-labs.ts';
import { labsDir, sandboxesDir } from '../src/shared/paths.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, terraform: { type: 'string' } } });
const runs = Math.max(3, Math.min(200, Number(values.runs)));
if (values.terraform) process.env['DOJO_TERRAFORM'] = values.terraform;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const fmt = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;

const lab = await loadLab(labsDir, 'terraform-state');
const home = await mkdtemp(path.join(os.tmpdir(), 'dojo-bench-checks-'));
const workspace = await ensureWorkspace(lab, home);
const sandbox = await loadSandbox(sandboxesDir(), lab.manifest.sandbox);
const started = await sandbox.start({ workspace, dojoHome: home });
const env = { ...toolEnv(), ...started.env };
const cli = await detectTerraformCli(values.terraform as TerraformFlavor | undefined, env);

console.log(
  `bench:checks  lab terraform-state, ${runs} runs per step, ${cli.flavor} ${cli.version}, ${Object.values(started.services).join('; ')}`,
);
console.log(`${os.cpus().length} CPU(s), Node ${process.version}\n`);
console.log('step              checks   p50      p95      | peer: show -json p50   ratio p50 | dominated by');
const rows: { step: string; p95: number }[] = [];
try {
  for (const step of lab.manifest.steps) {
    if (step.setup) {
      const r = await runSetup(lab, step.id, workspace, env);
      if (!r?.ok) throw new Error(`setup of ${step.id} failed: ${r?.output}`);
    }
    const sol = await applySolution(lab, step.id, workspace, env);
    if (!sol.ok) throw new Error(`solution of ${step.id} failed: ${sol.output}`);
    const times: number[] = [];
    const observed = new Map<string, number[]>();
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const result = await runStepChecks(lab, step.id, {
        workspace,
        env,
        onObservations: (o) => {
          for (const [k, v] of o.timings) observed.set(k, [...(observed.get(k) ?? []), v]);
        },
      });
      times.push(performance.now() - t0);
      if (result.status !== 'pass')
        throw new Error(
          `${step.id} did not pass in the benchmark: ${JSON.stringify(result.assertions.filter((a) => !a.ok))}`,
        );
    }
    const peer: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await cli.run(['show', '-json'], { cwd: workspace, env });
      peer.push(performance.now() - t0);
      if (r.exitCode !== 0) throw new Error(`show -json failed: ${r.stderr}`);
    }
    const dominant = [...observed.entries()]
      .map(([k, v]) => [k, pct(v, 50)] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ');
    console.log(
      `${step.id.padEnd(17)} ${String(step.checks.length).padStart(3)}   ${fmt(pct(times, 50))} ${fmt(pct(times, 95))} |        ${fmt(pct(peer, 50))}      ${(pct(times, 50) / pct(peer, 50)).toFixed(2).padStart(5)}x  | ${dominant}`,
    );
    rows.push({ step: step.id, p95: pct(times, 95) });
  }
} finally {
  await started.stop();
  await rm(home, { recursive: true, force: true });
}
const worst = rows.reduce((a, b) => (b.p95 > a.p95 ? b : a));
console.log(`\nworst p95: ${worst.step} ${worst.p95.toFixed(0)} ms (aim: under 300 ms for state-based checks)`);
