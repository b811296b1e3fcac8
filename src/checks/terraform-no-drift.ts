import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { strictFields } from '../shared/strict-fields.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { planOf, type PlanEvidence, type PlannedChange } from './evidence/terraform-evidence.ts';

const schema = strictFields({ kind: z.literal('terraform.noDrift'), ...checkBase });

/** Terraform's words for an action list: ["delete","create"] is a replacement. */
export function describeActions(actions: readonly string[]): string {
  const a = actions.join(',');
  if (a === 'delete,create' || a === 'create,delete') return 'replace';
  if (a === 'create') return 'create';
  if (a === 'delete') return 'destroy';
  if (a === 'update') return 'update in place';
  return actions.filter((x) => x !== 'no-op').join(', ') || 'no-op';
}

function describeChange(c: PlannedChange): string {
  const parts: string[] = [];
  if (c.previousAddress) parts.push(`moved from ${c.previousAddress}`);
  if (c.importing) parts.push('import');
  const act = describeActions(c.actions);
  if (act !== 'no-op' || parts.length === 0) parts.push(act);
  return `${c.address} (${parts.join(', ')})`;
}

/** Every planned change in words: resources with their actions, then outputs (names only, never values). */
export function listChanges(plan: PlanEvidence): string[] {
  return [
    ...plan.resources.map(describeChange),
    ...plan.outputs.map((o) => `output ${o.name} (${o.actions.includes('delete') ? 'remove' : o.actions.join(', ')})`),
  ];
}

export function judgeNoDrift(plan: PlanEvidence, hint?: string): Assertion[] {
  const changes = listChanges(plan);
  const shown = changes.slice(0, 8).join('; ') + (changes.length > 8 ? `; and ${changes.length - 8} more` : '');
  const onlyOutputs = plan.resources.length === 0 && plan.outputs.length > 0;
  const destroys = plan.resources.some((r) => r.actions.includes('delete'));
  return [
    {
      ok: plan.exitCode === 0,
      expected: 'plan -detailed-exitcode exits 0 (no changes)',
      found: plan.exitCode === 0 ? 'no changes' : shown || plan.summary || 'changes pending',
      message:
        plan.exitCode === 0
          ? 'no drift: configuration, state and the real world agree'
          : `plan wants ${changes.length || 'some'} change(s): ${shown || plan.summary}`,
      hint:
        hint ??
        (onlyOutputs
          ? 'Only outputs differ from the state: run apply to record the new output values (nothing else changes).'
          : destroys
            ? 'The plan would destroy or replace something: read why in the plan output (a renamed resource needs a moved block; a changed immutable argument forces a replacement) before applying.'
            : 'Run plan and read what it wants to change: apply it, or change the configuration to match reality.'),
    },
  ];
}

export const terraformNoDrift = defineCheck({
  kind: 'terraform.noDrift',
  title:
    'plan -detailed-exitcode shows no changes (run without taking the lock); a failure lists every resource and output that would change, with its action.',
  schema,
  example: { kind: 'terraform.noDrift' },
  async run(o, ctx) {
    return judgeNoDrift(await planOf(ctx), o.hint);
  },
});
