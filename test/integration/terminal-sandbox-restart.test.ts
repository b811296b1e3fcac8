/**
 * A shell made for one run of the sandbox, when the sandbox starts again with other values
 * (issue 12, item 8: installing the toolchain switched the next sandbox to tofu while the open
 * shell kept the old $TF). The fixture sandbox gets a new SLEEPY_PID on every start, which stands
 * in for a changed $TF or emulator port: a used shell is told, an untouched one is replaced.
 */
import { describe, expect, it, vi } from 'vitest';
import { sessionStatusSchema } from '../../src/shared/session-events.ts';
import { startTestRunner, type TestRunner } from '../helpers/runner-harness.ts';

const LAB = 'sleepy-lab';

async function sandboxState(t: TestRunner, state: 'running' | 'stopped'): Promise<void> {
  await vi.waitFor(
    async () => {
      const s = sessionStatusSchema.parse(await (await t.api(`/api/labs/${LAB}/session`)).json());
      expect(s.state).toBe(state);
    },
    { timeout: 15_000, interval: 50 },
  );
}

async function restartSandbox(t: TestRunner): Promise<void> {
  await t.api(`/api/labs/${LAB}/session`, { method: 'DELETE' });
  await sandboxState(t, 'stopped');
  await t.api(`/api/labs/${LAB}/session`, { method: 'POST' });
  await sandboxState(t, 'running');
}

describe('a sandbox that starts again with other values', () => {
  it('tells a shell someone has used which variables changed and how to get them', async () => {
    await using t = await startTestRunner();
    await t.api(`/api/labs/${LAB}/session`, { method: 'POST' });
    await sandboxState(t, 'running');
    const term = await t.terminal(LAB);
    const attached = await term.attached;
    expect(attached.sandbox).toBe('running');
    term.type('echo "used-$((40+2))"\r');
    await term.waitForText('used-42');

    await restartSandbox(t);
    await vi.waitFor(() =>
      expect(term.messages).toContainEqual({
        type: 'notice',
        message:
          'The sandbox restarted with new values for SLEEPY_PID; this shell still has the old ones. Type exit for a shell with the new environment.',
      }),
    );
    await term.close();
  });

  it('replaces a shell nobody has typed into with one that has the new values', async () => {
    await using t = await startTestRunner();
    await t.api(`/api/labs/${LAB}/session`, { method: 'POST' });
    await sandboxState(t, 'running');
    const term = await t.terminal(LAB);
    const first = await term.attached;

    await restartSandbox(t);
    const status = sessionStatusSchema.parse(await (await t.api(`/api/labs/${LAB}/session`)).json());
    await vi.waitFor(() => {
      const attaches = term.messages.filter((m) => m.type === 'attached');
      expect(attaches.length).toBe(2);
      expect(attaches.at(-1)).toMatchObject({ sandbox: 'running' });
      expect((attaches.at(-1) as { pid: number }).pid).not.toBe(first.pid);
    });
    term.type('echo "pid=$SLEEPY_PID"\r');
    await term.waitForText(/pid=\d+/);
    expect(status.state).toBe('running');
    await term.close();
  });
});
