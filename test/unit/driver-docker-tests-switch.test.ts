/**
 * DOJO_DOCKER_TESTS: the switch that decides whether the real Docker suite runs. It must never be
 * a silent skip: every decision prints one line, and CI defaults to "require".
 */
import { describe, expect, it } from 'vitest';
import { dockerTestsDecision, engineAnswers } from '../docker/docker-tests-switch.ts';

const up = () => ({ ok: true, detail: 'docker 28.2.2' });
const down = () => ({
  ok: false,
  detail: 'docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
});

describe('DOJO_DOCKER_TESTS', () => {
  it('defaults to require under CI=true (a missing engine fails), to auto elsewhere', () => {
    expect(dockerTestsDecision({ CI: 'true' }, down)).toMatchObject({ mode: 'require', enabled: true });
    expect(dockerTestsDecision({}, down)).toMatchObject({ mode: 'auto', enabled: false });
    expect(dockerTestsDecision({}, up)).toMatchObject({
      mode: 'auto',
      enabled: true,
      line: 'docker tests: running against docker 28.2.2 (DOJO_DOCKER_TESTS=auto)',
    });
  });

  it('prints a clear "not applicable" line when it does not run them', () => {
    expect(dockerTestsDecision({ CI: 'true', DOJO_DOCKER_TESTS: 'off' }, up).line).toBe(
      'docker tests: not applicable: DOJO_DOCKER_TESTS=off (no Docker engine on this machine; see README "Docker path")',
    );
    expect(dockerTestsDecision({}, down).line).toMatch(
      /^docker tests: not applicable: no Docker engine \(docker: Cannot connect/,
    );
  });

  it('rejects an unknown value instead of guessing', () => {
    expect(() => dockerTestsDecision({ DOJO_DOCKER_TESTS: 'yes' }, up)).toThrow(
      /expected DOJO_DOCKER_TESTS to be require, auto or off, found "yes"/,
    );
  });

  it('probes the real CLI on this machine', () => {
    const probe = engineAnswers();
    expect(typeof probe.ok).toBe('boolean');
    expect(probe.detail.length).toBeGreaterThan(0);
  });
});
