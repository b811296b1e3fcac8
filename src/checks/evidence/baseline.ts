/**
 * Baselines: what the state looked like around a step's setup (the "break-it" moment), so a check
 * can say "lineage unchanged", "serial did not go backwards", "the original resources are back".
 *
 * Stored in the workspace at .dojo/baselines/<step>.json, written by the engine when it runs the
 * step's setup; plain JSON a learner can read. `before` is taken just before the setup script,
 * `after` just after.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { RawState } from './terraform-evidence.ts';

export const stateSnapshotSchema = z.object({
  serial: z.number(),
  lineage: z.string(),
  /** Resource instance address → id attribute. */
  ids: z.record(z.string(), z.string()),
});
export type StateSnapshot = z.infer<typeof stateSnapshotSchema>;

export const baselineSchema = z.object({
  step: z.string(),
  recordedAt: z.string(),
  before: stateSnapshotSchema.nullable(),
  after: stateSnapshotSchema.nullable(),
});
export type Baseline = z.infer<typeof baselineSchema>;

const instanceSchema = z
  .object({
    index_key: z.union([z.number(), z.string()]).optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
const rawResourceSchema = z
  .object({
    module: z.string().optional(),
    mode: z.string(),
    type: z.string(),
    name: z.string(),
    instances: z.array(instanceSchema).default([]),
  })
  .loose();

/** Instance address → id, from raw state v4 (same addresses `show -json` prints). */
export function instanceIds(state: RawState): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const raw of state.resources) {
    const r = rawResourceSchema.safeParse(raw);
    if (!r.success || r.data.mode !== 'managed') continue;
    const base = `${r.data.module ? `${r.data.module}.` : ''}${r.data.type}.${r.data.name}`;
    for (const inst of r.data.instances) {
      const key =
        inst.index_key === undefined
          ? ''
          : typeof inst.index_key === 'number'
            ? `[${inst.index_key}]`
            : `[${JSON.stringify(inst.index_key)}]`;
      const id = inst.attributes?.['id'];
      if (typeof id === 'string') ids[base + key] = id;
    }
  }
  return ids;
}

export function snapshot(state: RawState | null): StateSnapshot | null {
  return state ? { serial: state.serial, lineage: state.lineage, ids: instanceIds(state) } : null;
}

export function baselineFile(workspace: string, step: string): string {
  return path.join(workspace, '.dojo', 'baselines', `${step}.json`);
}

export async function writeBaseline(workspace: string, baseline: Baseline): Promise<void> {
  const file = baselineFile(workspace, baseline.step);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(baseline, null, 2) + '\n');
}

export async function readBaseline(workspace: string, step: string): Promise<Baseline | null> {
  const text = await readFile(baselineFile(workspace, step), 'utf8').catch(() => null);
  if (text === null) return null;
  const parsed = baselineSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}
