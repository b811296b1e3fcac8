import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isIgnored, WorkspaceWatcher } from '../../src/runner/workspace-watcher.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('WorkspaceWatcher', () => {
  it('ignores Terraform and dojo bookkeeping but not the backend record or config', () => {
    expect(isIgnored('.terraform/providers/x')).toBe(true);
    expect(isIgnored('.terraform/terraform.tfstate')).toBe(false);
    expect(isIgnored('.dojo/baselines/held-lock.json')).toBe(true);
    expect(isIgnored('terraform.tfstate.backup')).toBe(true);
    expect(isIgnored('backend.tf')).toBe(false);
    expect(isIgnored('main.tf~')).toBe(true);
  });

  it('fires once per burst of edits, and not for ignored files', async () => {
    await using dir = await tempDir('watch');
    await mkdir(path.join(dir.path, '.terraform'));
    const watcher = new WorkspaceWatcher(150);
    const onChange = vi.fn();
    const off = watcher.subscribe(dir.path, onChange);
    try {
      await writeFile(path.join(dir.path, '.terraform', 'modules.json'), '{}');
      await new Promise((r) => setTimeout(r, 400));
      expect(onChange).not.toHaveBeenCalled();
      for (let i = 0; i < 5; i++) await writeFile(path.join(dir.path, 'main.tf'), `# edit ${i}\n`);
      await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(1), { timeout: 3000 });
      await new Promise((r) => setTimeout(r, 400));
      expect(onChange).toHaveBeenCalledTimes(1);
    } finally {
      off();
      watcher.close();
    }
  });
});
