import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { backendOf, rawStateOf, stateLocation, type RawState } from './evidence/terraform-evidence.ts';
import { instanceIds, readBaseline, type Baseline } from './evidence/baseline.ts';

const schema = z.strictObject({
  kind: z.literal('terraform.stateMeta'),
  /** The state must exist (default true). */
  exists: z.boolean().default(true),
  minSerial: z.number().int().optional(),
  /** Compare with the baseline recorded around the setup of this step. */
  baseline: z
    .strictObject({
      step: z.string(),
      /** Lineage must equal the one before the setup: same state history, not a new state. */
      lineage: z.literal('unchanged').optional(),
      /** Serial relative to the state right after the setup. */
      serial: z.enum(['not-decreased', 'increased']).optional(),
      /** Every resource instance that existed before the setup is back with the same id. */
      resources: z.literal('restored').optional(),
    })
    .optional(),
  ...checkBase,
});
type Options = z.output<typeof schema>;

/** Pure judgement over the raw state and the recorded baseline. */
export function judgeStateMeta(
  o: Options,
  state: RawState | null,
  location: string,
  baseline: Baseline | null,
): Assertion[] {
  const out: Assertion[] = [];
  out.push({
    ok: (state !== null) === o.exists,
    expected: o.exists ? `a state at ${location}` : `no state at ${location}`,
    found: state ? `state serial ${state.serial}, lineage ${state.lineage}` : `no state at ${location}`,
    message: state ? `state found at ${location} (serial ${state.serial})` : `no state at ${location}`,
    hint: o.hint ?? 'Run apply (and init -migrate-state after changing the backend) so the state is written there.',
  });
  if (!state) return out;
  if (o.minSerial !== undefined) {
    out.push({
      ok: state.serial >= o.minSerial,
      expected: `serial >= ${o.minSerial}`,
      found: `serial ${state.serial}`,
      message:
        state.serial >= o.minSerial
          ? `serial is ${state.serial}`
          : `expected serial >= ${o.minSerial}, found ${state.serial}`,
      hint: o.hint ?? 'Apply at least once more.',
    });
  }
  const b = o.baseline;
  if (!b) return out;
  if (!baseline || !baseline.before) {
    out.push({
      ok: false,
      expected: `a baseline recorded by the setup of step "${b.step}"`,
      found: baseline ? 'a baseline without a state before the setup' : 'no baseline (the step was never set up)',
      message: `step "${b.step}" has not been set up yet`,
      hint: 'Press "Set up this step" on the lab page (or run "npx dojo lab setup"), then follow the step.',
    });
    return out;
  }
  const before = baseline.before;
  const after = baseline.after ?? before;
  if (b.lineage) {
    out.push({
      ok: state.lineage === before.lineage,
      expected: `lineage ${before.lineage} (the state's history continues)`,
      found: `lineage ${state.lineage}`,
      message:
        state.lineage === before.lineage
          ? 'lineage unchanged'
          : `lineage changed from ${before.lineage} to ${state.lineage}: this is a different state, not a recovered one`,
      hint:
        o.hint ??
        'Do not create a fresh state (no delete-and-reapply, no state push -force of another state): restore the versioned object or push a copy with the same lineage.',
    });
  }
  if (b.serial) {
    const ok = b.serial === 'increased' ? state.serial > after.serial : state.serial >= after.serial;
    out.push({
      ok,
      expected: b.serial === 'increased' ? `serial > ${after.serial}` : `serial >= ${after.serial}`,
      found: `serial ${state.serial}`,
      message: !ok
        ? `serial went backwards: ${after.serial} → ${state.serial}`
        : state.serial === after.serial
          ? `serial unchanged (${state.serial}): nothing was lost`
          : `serial moved forward (${after.serial} → ${state.serial})`,
      hint:
        o.hint ??
        'Other copies of this state (CI caches, teammates) hold the higher serial; write the recovered state with a serial above the current one (state push refuses lower serials for this reason).',
    });
  }
  if (b.resources) {
    const now = instanceIds(state);
    const missing = Object.entries(before.ids).filter(([addr, id]) => now[addr] !== id);
    out.push({
      ok: missing.length === 0,
      expected: `the ${Object.keys(before.ids).length} resource instance(s) from before the bad change, with their original ids`,
      found: missing.length
        ? missing
            .slice(0, 4)
            .map(([addr, id]) => (now[addr] ? `${addr} has id ${now[addr]} (was ${id})` : `${addr} missing`))
            .join('; ')
        : 'all present with their original ids',
      message: missing.length
        ? `${missing.length} resource instance(s) not restored`
        : 'every resource instance is back with its original id',
      hint:
        o.hint ??
        'Re-applying creates new resources with new ids; restore the previous state version from the bucket (list-object-versions, get-object --version-id) and push it.',
    });
  }
  return out;
}

export const terraformStateMeta = defineCheck({
  kind: 'terraform.stateMeta',
  title:
    'Raw state metadata: exists, serial, and lineage/serial/resource ids compared with the baseline recorded by a step setup.',
  schema,
  example: {
    kind: 'terraform.stateMeta',
    baseline: { step: 'held-lock', lineage: 'unchanged', serial: 'not-decreased' },
  },
  async run(o, ctx) {
    const backend = await backendOf(ctx);
    const state = await rawStateOf(ctx);
    const baseline = o.baseline ? await readBaseline(ctx.workspace, o.baseline.step) : null;
    return judgeStateMeta(o, state, stateLocation(backend), baseline);
  },
});
