import { runDoctor } from '../doctor/doctor.ts';
import { loadLabs } from '../labs/load-labs.ts';
import { labsDir } from '../shared/paths.ts';
import type { DoctorReport } from '../shared/doctor-report.ts';
import { parseOptions } from './parse-options.ts';

const HELP = `Usage: dojo doctor [--json]

Checks node, git, a Docker or Podman engine, terraform, tofu, kind, kubectl, moto_server, conftest,
kubeconform, chromium and the process sandbox (kube-apiserver, argocd, redis-server, LocalStack as a
host process), says which sandbox provider runs here and why, then which labs this machine can run
and what each one lacks. Tools installed by scripts/toolchain.sh (in .toolchain/) are found too.

  --json   Print { "tools": [...], "labs": [...] } instead of the report`;

export async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const { labs, errors } = await loadLabs(labsDir);
  const report = await runDoctor(labs);
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(formatReport(report));
  }
  for (const err of errors) console.error(`\nwarning: ${err.message}`);
  return 0;
}

const platformKey = (): 'macos' | 'linux' | 'windows' =>
  process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux';

export function formatReport(report: DoctorReport): string {
  const lines: string[] = ['Tools'];
  const width = Math.max(...report.tools.map((t) => t.name.length));
  for (const tool of report.tools) {
    const mark = tool.found ? 'ok     ' : 'missing';
    const detail = tool.found ? `${tool.version}  ${tool.path}` : (tool.problem ?? 'not found on PATH');
    lines.push(`  ${mark}  ${tool.name.padEnd(width)}  ${detail}`);
    if (!tool.found) lines.push(`  ${' '.repeat(7)}  ${' '.repeat(width)}  install: ${tool.install[platformKey()]}`);
  }
  lines.push('', 'Sandbox provider (DOJO_PROVIDER=docker|process|auto)');
  lines.push(
    `  ${report.provider.inUse ? `in use: ${report.provider.inUse}` : 'none can run here'}  (${report.provider.reason})`,
  );
  lines.push(`  docker:  ${report.provider.docker ?? 'ready'}`);
  lines.push(`  process: ${report.provider.process ?? 'ready'}`);
  for (const note of report.provider.notes) lines.push(`  note: ${note}`);
  lines.push('', 'Labs');
  for (const lab of report.labs) {
    lines.push(`  ${lab.runnable ? 'runnable' : 'blocked '}  ${lab.id}`);
    for (const m of lab.missing) lines.push(`            - ${m}`);
    for (const w of lab.warnings ?? []) lines.push(`            warning: ${w}`);
  }
  return lines.join('\n');
}
