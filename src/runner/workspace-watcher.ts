/**
 * Watches a lab workspace for edits so the page can re-check the current step in the background.
 *
 * One recursive fs.watch per workspace, shared by every subscriber (refcounted, closed with the
 * last one). Changes are debounced: an editor's save or an `init` writes many files in a burst.
 * Terraform's and our own bookkeeping (.terraform/ except the backend record, .dojo/, backups,
 * .git internals) do not count. A remote apply that changes only the bucket writes no file, so it
 * triggers nothing: the Check button covers that.
 */
import { watch, type FSWatcher } from 'node:fs';

const IGNORED = [
  /^\.terraform\/(?!terraform\.tfstate$)/,
  /^\.dojo\//,
  /\.tfstate\.backup$/,
  /^\.git\/(?!HEAD$|refs\/)/,
  /(^|\/)\.#/,
  /~$/,
  /\.swp$/,
];

export function isIgnored(relative: string): boolean {
  const p = relative.replace(/\\/g, '/');
  return IGNORED.some((re) => re.test(p));
}

interface Entry {
  watcher: FSWatcher;
  listeners: Set<() => void>;
  timer: NodeJS.Timeout | undefined;
}

export class WorkspaceWatcher {
  private readonly entries = new Map<string, Entry>();
  private readonly debounceMs: number;

  constructor(debounceMs = 1200) {
    this.debounceMs = debounceMs;
  }

  /** Calls `onChange` (debounced) after files in `dir` change; returns the unsubscribe function. */
  subscribe(dir: string, onChange: () => void): () => void {
    let entry = this.entries.get(dir);
    if (!entry) {
      const fresh: Entry = { watcher: watch(dir, { recursive: true }), listeners: new Set(), timer: undefined };
      fresh.watcher.on('change', (_event, filename) => {
        if (filename && isIgnored(String(filename))) return;
        clearTimeout(fresh.timer);
        fresh.timer = setTimeout(() => {
          for (const l of fresh.listeners) l();
        }, this.debounceMs);
      });
      // The folder may be moved away by a reset: stop quietly, the page reconnects.
      fresh.watcher.on('error', () => this.drop(dir));
      this.entries.set(dir, fresh);
      entry = fresh;
    }
    entry.listeners.add(onChange);
    return () => {
      entry.listeners.delete(onChange);
      if (entry.listeners.size === 0) this.drop(dir);
    };
  }

  private drop(dir: string): void {
    const entry = this.entries.get(dir);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.watcher.close();
    this.entries.delete(dir);
  }

  close(): void {
    for (const dir of [...this.entries.keys()]) this.drop(dir);
  }
}
