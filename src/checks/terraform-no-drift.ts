import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { planOf, type PlanEvidence } from './evidence/terraform-evidence.ts';

const schema = z.strictObject({ kind: z.literal('terraform.noDrift'), ...checkBase });

export function judgeNoDrift(plan: PlanEvidence, hint?: string): Assertion[] {
  const changes = plan.output
    .split('\n')
    .filter((l) => /^\s+# .* (will be|must be)/.test(l))
    .map((l) => l.trim().replace(/^# /, ''))
    .slice(0, 5);
  return [
    {
      ok: plan.exitCode === 0,
      expected: 'plan -detailed-exitcode exits 0 (no changes)',
      found:
        plan.exitCode === 0
          ? 'no changes'
          : `${plan.summary || 'changes pending'}${changes.length ? `: ${changes.join('; ')}` : ''}`,
      message:
        plan.exitCode === 0
          ? 'no drift: configuration, state and the real world agree'
          : `plan shows changes: ${plan.summary}`,
      hint:
        hint ?? 'Run plan and read what it wants to change: apply it, or change the configuration to match reality.',
    },
  ];
}

export const terraformNoDrift = defineCheck({
  kind: 'terraform.noDrift',
  title: 'plan -detailed-exitcode shows no changes (run without taking the lock).',
  schema,
  example: { kind: 'terraform.noDrift' },
  async run(o, ctx) {
    return judgeNoDrift(await planOf(ctx), o.hint);
  },
});
