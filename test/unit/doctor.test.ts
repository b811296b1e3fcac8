/**
 * Doctor logic on this machine's real tools, plus a fake `docker` at the one edge this machine
 * cannot run (no engine): the fake prints what the real CLI prints, captured from Docker 28.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labReadiness, runDoctor } from '../../src/doctor/doctor.ts';
import { doctorReportSchema, type ToolName, type ToolReport } from '../../src/shared/doctor-report.ts';
import { labManifestSchema } from '../../src/labs/lab-manifest.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Captured from `docker version --format '{{.Server.Version}}'` with the Docker 28.2.2 CLI and no daemon.
const NO_ENGINE_STDERR =
  'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

async function fakeBin(dir: string, name: string, script: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
}

const lab = (requires: string[]) => ({
  id: 'demo',
  manifest: labManifestSchema.parse({
    title: 'Demo lab',
    summary: 'A lab used by the doctor tests.',
    level: 'beginner',
    minutes: 5,
    sandbox: 'aws-emulator',
    requires,
    steps: [
      { id: 's', title: 'Step', outcome: 'Something is true afterwards.', checks: [{ kind: 'command', run: 'true' }] },
    ],
  }),
});

const tools = (found: Partial<Record<ToolName, boolean>>) =>
  new Map(
    Object.entries(found).map(([name, ok]) => [
      name as ToolName,
      {
        name,
        found: ok,
        version: ok ? '1.0.0' : null,
        path: null,
        install: { macos: '', linux: '', windows: '' },
      } as ToolReport,
    ]),
  );

describe('dojo doctor', () => {
  it('reports a Docker CLI without an engine in plain words, with install guidance', async () => {
    await using dir = await tempDir('doctor');
    await fakeBin(dir.path, 'docker', `echo "${NO_ENGINE_STDERR}" >&2; exit 1`);
    const report = await runDoctor([], { ...process.env, PATH: `${dir.path}:/usr/bin:/bin` });
    expect(() => doctorReportSchema.parse(report)).not.toThrow();
    const docker = report.tools.find((t) => t.name === 'docker')!;
    expect(docker.found).toBe(false);
    expect(docker.path).toBe(path.join(dir.path, 'docker'));
    expect(docker.problem).toContain('no container engine answered');
    expect(docker.problem).toContain('Is the docker daemon running?');
    expect(docker.install.linux).toMatch(/Docker Engine|Podman/);
    expect(docker.problem).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('accepts a reachable engine and reports its server version', async () => {
    await using dir = await tempDir('doctor');
    await fakeBin(dir.path, 'docker', 'echo 28.2.2');
    const report = await runDoctor([], { ...process.env, PATH: `${dir.path}:/usr/bin:/bin` });
    expect(report.tools.find((t) => t.name === 'docker')).toMatchObject({ found: true, version: 'docker 28.2.2' });
  });

  it('finds git with its real version on this machine', async () => {
    const report = await runDoctor([]);
    const git = report.tools.find((t) => t.name === 'git')!;
    expect(git.found).toBe(true);
    expect(git.version).toMatch(/^\d+\.\d+/);
  });

  it('calls a lab runnable only when every requirement is met, and says what is missing', () => {
    const needs = lab(['git', 'terraform-or-tofu', 'aws-emulator']);
    expect(labReadiness(needs, tools({ git: true, tofu: true, moto_server: true }))).toEqual({
      id: 'demo',
      runnable: true,
      missing: [],
    });
    expect(labReadiness(needs, tools({ git: true, terraform: true, docker: true })).runnable).toBe(true);
    const blocked = labReadiness(needs, tools({ git: true }));
    expect(blocked.runnable).toBe(false);
    expect(blocked.missing).toHaveLength(2);
    expect(blocked.missing[0]).toMatch(/neither terraform nor tofu/);
    expect(blocked.missing[1]).toMatch(/no AWS emulator/);
    expect(labReadiness(lab(['kind']), tools({ kind: true, docker: false })).missing[0]).toMatch(
      /running Docker or Podman engine/,
    );
  });
});
