/**
 * Contract of the AWS emulator factory: which backend it picks for which machine, and what it
 * says when none fits. The probe (engine answers? moto_server on PATH?) is passed in, so every
 * machine shape is covered here; the real probe runs in the last test on this machine.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseAwsEmulator, probeEmulators, startAwsEmulator } from '../../src/sandbox/aws-emulator.ts';
import { which } from '../../src/sandbox/which.ts';
import { requireTool } from '../helpers/require-tool.ts';

const captured = (name: string) => readFile(path.join(import.meta.dirname, '..', 'fixtures', 'captured', name), 'utf8');
const withEngine = { engineProblem: null, motoServer: false };
const noEngine = (motoServer: boolean) => ({
  engineProblem:
    'The docker CLI is installed but no container engine answered (docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?).',
  motoServer,
});

describe('choosing the AWS emulator', () => {
  it('prefers LocalStack when an engine answers, moto_server when none does', () => {
    expect(chooseAwsEmulator({ env: {} }, withEngine)).toBe('localstack');
    expect(chooseAwsEmulator({ env: {} }, noEngine(true))).toBe('moto-process');
  });

  it('honours DOJO_AWS_EMULATOR and options.prefer, checking that the choice can run', () => {
    expect(chooseAwsEmulator({ env: { DOJO_AWS_EMULATOR: 'moto-container' } }, withEngine)).toBe('moto-container');
    expect(
      chooseAwsEmulator({ env: { DOJO_AWS_EMULATOR: 'moto-process' } }, { engineProblem: null, motoServer: true }),
    ).toBe('moto-process');
    expect(
      chooseAwsEmulator(
        { env: { DOJO_AWS_EMULATOR: 'localstack' }, prefer: 'moto-process' },
        { engineProblem: null, motoServer: true },
      ),
    ).toBe('moto-process');
    expect(() => chooseAwsEmulator({ env: { DOJO_AWS_EMULATOR: 'localstack' } }, noEngine(true))).toThrow(
      /localstack needs a container engine\. The docker CLI is installed but no container engine answered/,
    );
    expect(() => chooseAwsEmulator({ env: { DOJO_AWS_EMULATOR: 'moto-process' } }, withEngine)).toThrow(
      /moto_server is not on PATH\. Fix: pip install "moto\[server\]"/,
    );
    expect(() => chooseAwsEmulator({ env: { DOJO_AWS_EMULATOR: 'minio' } }, withEngine)).toThrow(
      /expected DOJO_AWS_EMULATOR to be one of auto, localstack, localstack-process, moto-container, moto-process, found "minio"/,
    );
  });

  it('insists on LocalStack for labs that serve websites, and says why', () => {
    expect(chooseAwsEmulator({ env: {}, needsWebsite: true }, withEngine)).toBe('localstack');
    expect(() => chooseAwsEmulator({ env: {}, needsWebsite: true }, noEngine(true))).toThrow(
      /serves a website from S3, which needs LocalStack \(moto does not serve website endpoints\): in a container \(The docker CLI.*\) or as a host process \(not installed\)\. Fix: run "npx dojo sandbox install"/,
    );
    // Without an engine, LocalStack as a host process serves them.
    expect(chooseAwsEmulator({ env: {}, needsWebsite: true }, { ...noEngine(true), localStackProcess: true })).toBe(
      'localstack-process',
    );
    expect(() =>
      chooseAwsEmulator({ env: { DOJO_AWS_EMULATOR: 'moto-process' }, needsWebsite: true }, noEngine(true)),
    ).toThrow(/only LocalStack serves/);
  });

  it('follows the sandbox provider: process never picks a container, docker never a host process', () => {
    const both = { engineProblem: null, motoServer: true, localStackProcess: true };
    expect(chooseAwsEmulator({ env: {}, provider: 'process' }, both)).toBe('moto-process');
    expect(chooseAwsEmulator({ env: {}, provider: 'process', needsWebsite: true }, both)).toBe('localstack-process');
    expect(chooseAwsEmulator({ env: {}, provider: 'docker', needsWebsite: true }, both)).toBe('localstack');
    expect(() =>
      chooseAwsEmulator({ env: {}, provider: 'docker' }, { ...noEngine(true), localStackProcess: true }),
    ).toThrow(/the docker provider was chosen \(DOJO_PROVIDER=docker\), but The docker CLI/);
  });

  it('names both ways out when nothing can run', () => {
    expect(() => chooseAwsEmulator({ env: {} }, noEngine(false))).toThrow(
      /no AWS emulator can run here\. .*Or, without containers: pip install "moto\[server\]"/,
    );
  });

  it('probes this machine for real: no engine here, so the docker problem is the captured one', async () => {
    const probe = await probeEmulators();
    // With an engine the probe has nothing to say; without one it quotes the engine's own words.
    if (probe.engineProblem !== null) {
      expect(probe.engineProblem).toMatch(/No Docker or Podman was found on PATH|no container engine answered/);
      if (which('docker'))
        expect(probe.engineProblem).toContain((await captured('docker-version.no-engine.stderr')).trim());
    }
    expect(probe.motoServer).toBe(which('moto_server') !== null);
  });

  it('starts moto_server through the same interface when that is the choice, and refuses website requests', async (ctx) => {
    requireTool(ctx, 'moto_server');
    await using emulator = await startAwsEmulator({ prefer: 'moto-process' });
    expect(emulator.kind).toBe('moto-process');
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.servesWebsites).toBe(false);
    expect(emulator.pids.length).toBe(1);
    await expect(emulator.websiteFetch('team-site', '/')).rejects.toThrow(
      /does not serve website endpoints; website checks need LocalStack/,
    );
    const res = await fetch(`${emulator.endpoint}/moto-api/data.json`);
    expect(res.ok).toBe(true);
  });
});
