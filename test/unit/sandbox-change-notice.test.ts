import { describe, expect, it } from 'vitest';
import { changedVariables, sandboxChangedNotice } from '../../src/runner/terminal/sandbox-change-notice.ts';

describe('sandboxChangedNotice', () => {
  const terraform = {
    TF: '/usr/local/bin/terraform',
    DOJO_TERRAFORM: 'terraform',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:4001',
  };
  const tofu = {
    TF: '/opt/dojo/.toolchain/bin/tofu',
    DOJO_TERRAFORM: 'tofu',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:4001',
  };

  it('names a changed $TF: the new binary for new shells, the old one still in this shell', () => {
    const changed = changedVariables(terraform, tofu);
    expect(changed).toEqual(['DOJO_TERRAFORM', 'TF']);
    expect(sandboxChangedNotice(terraform, tofu, changed)).toBe(
      '$TF changed: new shells run tofu (/opt/dojo/.toolchain/bin/tofu), this shell still runs /usr/local/bin/terraform. Type exit for a shell with the new environment.',
    );
  });

  it('lists other changed variables (a new emulator port), added and removed ones too', () => {
    const moved = { ...terraform, AWS_ENDPOINT_URL: 'http://127.0.0.1:4002', EXTRA: '1' };
    const changed = changedVariables(terraform, moved);
    expect(changed).toEqual(['AWS_ENDPOINT_URL', 'EXTRA']);
    expect(sandboxChangedNotice(terraform, moved, changed)).toContain('new values for AWS_ENDPOINT_URL, EXTRA');
    expect(changedVariables(terraform, { ...terraform })).toEqual([]);
  });
});
