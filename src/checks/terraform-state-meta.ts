import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import {
  backendOf,
  planOf,
  rawStateOf,
  stateLocation,
  type PlanEvidence,
  type RawState,
} from './evidence/terraform-evidence.ts';
import { instanceIds, readBaseline, type Baseline } from './evidence/baseline.ts';
import { strictFields } from '../shared/strict-fields.ts';
import { expected, idSchema } from '../shared/ids.ts';
import { describeActions } from './terraform-no-drift.ts';

const baselineValues = {
  lineage: ['unchanged'],
  serial: ['not-decreased', 'increased'],
  resources: ['restored', 'kept'],
} as const;

const schema = strictFields({
  kind: z.literal('terraform.stateMeta'),
  exists: z
    .boolean()
    .default(true)
    .describe('true (default): a state must exist where init put it; false: there must be none there.'),
  minSerial: z.number().int().optional().describe('The state serial (its write counter) is at least this.'),
  baseline: strictFields({
    step: idSchema.describe(
      'The step whose setup recorded the baseline: this step or an earlier one, and it must have a setup (the state is snapshotted just before and just after the setup script runs).',
    ),
    lineage: z
      .enum(baselineValues.lineage, {
        error: expected('expected "lineage" to be unchanged (the only value)'),
      })
      .optional()
      .describe('unchanged: the lineage equals the one before the setup (the same state history, not a new state).'),
    serial: z
      .enum(baselineValues.serial, { error: expected('expected "serial" to be not-decreased or increased') })
      .optional()
      .describe(
        'Compared with the serial right after the setup. not-decreased: nothing went backwards; increased: the state was written since.',
      ),
    resources: z
      .enum(baselineValues.resources, { error: expected('expected "resources" to be restored or kept') })
      .optional()
      .describe(
        'restored: every resource instance from before the setup is in state with its original id, at its address or at the address it was moved to. kept: the same, and the plan destroys or replaces none of them (a refactor with moved blocks passes; an import at the new address, which destroys the old one, does not).',
      ),
  })
    .optional()
    .describe('Compare with the snapshots taken around a step setup (the break-it moment).'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

/** Where each baseline instance is now: same address, moved (same id elsewhere), replaced or gone. */
export interface InstanceFate {
  address: string;
  id: string;
  now: { kind: 'same' } | { kind: 'moved'; to: string } | { kind: 'new-id'; id: string } | { kind: 'missing' };
}

export function followInstances(before: Record<string, string>, now: Record<string, string>): InstanceFate[] {
  const byId = new Map<string, string[]>();
  for (const [addr, id] of Object.entries(now)) byId.set(id, [...(byId.get(id) ?? []), addr]);
  return Object.entries(before).map(([address, id]) => {
    if (now[address] === id) return { address, id, now: { kind: 'same' } };
    const moved = byId.get(id)?.find((a) => before[a] !== id);
    if (moved) return { address, id, now: { kind: 'moved', to: moved } };
    const current = now[address];
    return { address, id, now: current ? { kind: 'new-id', id: current } : { kind: 'missing' } };
  });
}

function describeFate(f: InstanceFate): string {
  switch (f.now.kind) {
    case 'same':
      return `${f.address} kept`;
    case 'moved':
      return `${f.address} moved to ${f.now.to} (same id)`;
    case 'new-id':
      return `${f.address} has id ${f.now.id} (was ${f.id}): it was replaced`;
    case 'missing':
      return `${f.address} (id ${f.id}) is no longer in state`;
  }
}

/** Pure judgement over the raw state, the recorded baseline and (for resources: kept) the plan. */
export function judgeStateMeta(
  o: Options,
  state: RawState | null,
  location: string,
  baseline: Baseline | null,
  plan: PlanEvidence | null = null,
): Assertion[] {
  const out: Assertion[] = [];
  const existsOk = (state !== null) === o.exists;
  out.push({
    ok: existsOk,
    expected: o.exists ? `a state at ${location}` : `no state at ${location}`,
    found: state ? `state serial ${state.serial}, lineage ${state.lineage}` : `no state at ${location}`,
    message: state ? `state found at ${location} (serial ${state.serial})` : `no state at ${location}`,
    hint:
      o.hint ??
      (o.exists
        ? 'Run apply (and init -migrate-state after changing the backend) so the state is written there.'
        : `A state is still at ${location}. If it was migrated elsewhere, this copy is a leftover: delete it (and its .backup) so nobody applies against it; if it should not exist at all, run destroy first.`),
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
      hint: o.hint ?? 'The state has been written fewer times than expected: apply the pending change.',
    });
  }
  const b = o.baseline;
  if (!b) return out;
  if (!baseline || !baseline.before) {
    out.push({
      ok: false,
      expected: `a baseline recorded by the setup of step "${b.step}"`,
      found: baseline
        ? 'a baseline without a state before the setup (the earlier steps were not done when it was staged)'
        : 'no baseline: the setup of that step has not run in this workspace',
      message: `the setup of step "${b.step}" has not run yet, so there is nothing to compare with`,
      hint: baseline
        ? `Finish the earlier steps, then stage step "${b.step}" again (the lab page's setup button, or npx dojo lab setup <lab> ${b.step}).`
        : `Stage step "${b.step}" first: the lab page's setup button, or npx dojo lab setup <lab> ${b.step}.`,
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
    const wentBack = state.serial < after.serial;
    out.push({
      ok,
      expected: b.serial === 'increased' ? `serial > ${after.serial}` : `serial >= ${after.serial}`,
      found: `serial ${state.serial}`,
      message: wentBack
        ? `serial went backwards: ${after.serial} → ${state.serial}`
        : state.serial === after.serial
          ? `serial unchanged (${state.serial})${ok ? ': nothing was lost' : ': nothing has been written since the setup'}`
          : `serial moved forward (${after.serial} → ${state.serial})`,
      hint:
        o.hint ??
        (wentBack
          ? 'Other copies of this state (CI caches, teammates) hold the higher serial; write the recovered state with a serial above the current one (state push refuses lower serials for this reason).'
          : 'The state has not been written since the setup: push the recovered state (with a serial above the current one), or apply the fix.'),
    });
  }
  if (b.resources) {
    const fates = followInstances(before.ids, instanceIds(state));
    const lost = fates.filter((f) => f.now.kind === 'missing' || f.now.kind === 'new-id');
    const moved = fates.filter((f) => f.now.kind === 'moved');
    out.push({
      ok: lost.length === 0,
      expected: `the ${fates.length} resource instance(s) from before the setup, with their original ids`,
      found: lost.length
        ? lost.slice(0, 4).map(describeFate).join('; ')
        : moved.length
          ? `all present with their original ids; ${moved.slice(0, 4).map(describeFate).join('; ')}`
          : 'all present with their original ids',
      message: lost.length
        ? `${lost.length} resource instance(s) lost their original id: ${lost.slice(0, 2).map(describeFate).join('; ')}`
        : moved.length
          ? `every resource instance kept its id (${moved.length} moved)`
          : 'every resource instance is back with its original id',
      hint:
        o.hint ??
        (b.resources === 'kept'
          ? 'A new id means the object was destroyed and created again. Move it instead: a moved block (from the old address to the new one) keeps the object and its id; then plan shows "has moved to" and nothing to destroy.'
          : 'Re-applying creates new resources with new ids; restore the previous state version from the bucket (list-object-versions, get-object --version-id) and push it.'),
    });
    if (b.resources === 'kept' && plan) {
      const holding = new Set(
        fates.map((f) => (f.now.kind === 'moved' ? f.now.to : f.now.kind === 'same' ? f.address : '')).filter(Boolean),
      );
      const doomed = plan.resources.filter(
        (r) => r.actions.includes('delete') && (holding.has(r.address) || holding.has(r.previousAddress ?? '')),
      );
      out.push({
        ok: doomed.length === 0,
        expected: 'a plan that destroys or replaces none of those instances',
        found: doomed.length
          ? doomed.map((r) => `${r.address} (${describeActions(r.actions)})`).join('; ')
          : 'the plan keeps all of them',
        message: doomed.length
          ? `the plan would destroy ${doomed.length} of them: ${doomed.map((r) => `${r.address} (${describeActions(r.actions)})`).join('; ')}`
          : 'the plan keeps every one of them',
        hint:
          o.hint ??
          'Importing the same id at the new address leaves the old address to be destroyed, which deletes the real object both addresses point at. Remove the import and write a moved block from the old address to the new one.',
      });
    }
  }
  return out;
}

export const terraformStateMeta = defineCheck({
  kind: 'terraform.stateMeta',
  title:
    'Raw state metadata: exists, serial, and lineage/serial/resource ids compared with the baseline recorded by a step setup (resources are followed across moved blocks by their id).',
  schema,
  example: {
    kind: 'terraform.stateMeta',
    baseline: { step: 'held-lock', lineage: 'unchanged', serial: 'not-decreased' },
  },
  references: (o) => (o.baseline ? [{ path: ['baseline', 'step'], step: o.baseline.step, needsSetup: true }] : []),
  async run(o, ctx) {
    const backend = await backendOf(ctx);
    const state = await rawStateOf(ctx);
    const baseline = o.baseline ? await readBaseline(ctx.workspace, o.baseline.step) : null;
    const plan = o.baseline?.resources === 'kept' && state && baseline?.before ? await planOf(ctx) : null;
    return judgeStateMeta(o, state, stateLocation(backend), baseline, plan);
  },
});
