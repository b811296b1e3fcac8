/**
 * Contract of engine detection: the real CLI answers are faked at the one edge this machine
 * cannot run (an engine), with the texts the Docker 28 and Podman CLIs print; testcontainers'
 * own error (captured here, where it is thrown at once) becomes a friendly message.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DockerEngineError,
  detectDockerEngine,
  engineCandidates,
  friendlyContainerError,
} from '../../src/sandbox/docker-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');

async function fakeCli(dir: string, name: string, script: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name), `#!/bin/sh\n${script}\n`);
  await chmod(path.join(dir, name), 0o755);
}

describe('container engine detection', () => {
  it("reports a Docker CLI without an engine with the CLI's own words and how to start one", async () => {
    await using dir = await tempDir('engine');
    const stderr = (await captured('docker-version.no-engine.stderr')).trim();
    await fakeCli(dir.path, 'docker', `echo "${stderr}" >&2; exit 1`);
    const err = await detectDockerEngine({ PATH: `${dir.path}:/usr/bin:/bin` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerEngineError);
    expect((err as DockerEngineError).problem).toBe('no-engine');
    expect((err as DockerEngineError).message).toContain(
      `The docker CLI is installed but no container engine answered (docker: ${stderr})`,
    );
    expect((err as DockerEngineError).hint).toMatch(/systemctl start docker|Docker Desktop/);
  });

  it('accepts an engine that reports its server version, and prefers Podman when kind is told to', async () => {
    await using dir = await tempDir('engine');
    await fakeCli(dir.path, 'docker', 'echo 28.2.2');
    await fakeCli(dir.path, 'podman', 'echo 5.4.1');
    expect(await detectDockerEngine({ PATH: dir.path })).toMatchObject({
      cli: 'docker',
      serverVersion: '28.2.2',
      env: {},
    });
    expect(await detectDockerEngine({ PATH: dir.path, KIND_EXPERIMENTAL_PROVIDER: 'podman' })).toMatchObject({
      cli: 'podman',
      serverVersion: '5.4.1',
      env: { KIND_EXPERIMENTAL_PROVIDER: 'podman' },
    });
    expect(engineCandidates({})).toEqual(['docker', 'podman']);
  });

  it('explains a Podman machine that is not running, including what testcontainers needs', async () => {
    await using dir = await tempDir('engine');
    const stderr = await captured('podman-version.no-machine.stderr');
    await writeFile(path.join(dir.path, 'stderr.txt'), stderr);
    await fakeCli(dir.path, 'podman', `/bin/cat "${dir.path}/stderr.txt" >&2; exit 125`);
    const err = (await detectDockerEngine({ PATH: dir.path, KIND_EXPERIMENTAL_PROVIDER: 'podman' }).catch(
      (e: unknown) => e,
    )) as DockerEngineError;
    expect(err.message).toMatch(
      /The podman CLI is installed but no container engine answered \(podman: Cannot connect to Podman\./,
    );
    expect(err.hint).toMatch(/podman machine start|podman\.socket/);
    expect(err.hint).toMatch(/DOCKER_HOST pointing at the Podman socket/);
  });

  it('says what to install when there is no CLI at all', async () => {
    await using dir = await tempDir('engine');
    const err = (await detectDockerEngine({ PATH: dir.path }).catch((e: unknown) => e)) as DockerEngineError;
    expect(err.problem).toBe('no-cli');
    expect(err.message).toMatch(
      /^No Docker or Podman was found on PATH; this lab runs containers \(LocalStack, kind\)\. Install/,
    );
  });
});

describe('friendly container errors', () => {
  it('turns testcontainers\' "Could not find a working container runtime strategy" into guidance', async () => {
    const original = new Error((await captured('testcontainers-start.no-engine.txt')).trim());
    const friendly = friendlyContainerError(original);
    expect(friendly).toBeInstanceOf(DockerEngineError);
    expect(friendly.message).toMatch(/^No Docker or Podman engine is reachable \(testcontainers tried DOCKER_HOST/);
    expect(friendly.message).toMatch(/set DOCKER_HOST to its socket/);
  });

  it('explains image pulls that fail for a missing tag and for no network, naming the override', () => {
    const missing = friendlyContainerError(
      new Error(
        '(HTTP code 404) unexpected - manifest for localstack/localstack:9.9.9 not found: manifest unknown: manifest unknown ',
      ),
      { image: 'localstack/localstack:9.9.9', imageVariable: 'DOJO_LOCALSTACK_IMAGE' },
    );
    expect(missing.message).toMatch(
      /The image localstack\/localstack:9\.9\.9 could not be pulled: .*or set DOJO_LOCALSTACK_IMAGE/,
    );
    const offline = friendlyContainerError(
      new Error(
        '(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving',
      ),
      { image: 'kindest/node:v1.36.1' },
    );
    expect(offline.message).toMatch(/could not be downloaded: the registry is unreachable/);
    const other = new Error('something else');
    expect(friendlyContainerError(other)).toBe(other);
  });
});
