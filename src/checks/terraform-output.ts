import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { strictFields } from '../shared/strict-fields.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { judge, type Expectation } from './expectation.ts';
import { regexOption } from './regex-option.ts';
import { showJsonOf, type ShowJson } from './evidence/terraform-evidence.ts';
import { NOTHING_APPLIED_HINT } from './terraform-resource.ts';

const schema = strictFields({
  kind: z.literal('terraform.output'),
  name: z
    .string({ error: 'expected "name": the output\'s name in the root module' })
    .describe('Root module output name.'),
  equals: z
    .unknown()
    .optional()
    .describe('The value equals this; maps match in any key order, lists in any order unless ordered: true.'),
  ordered: z.boolean().optional().describe('With equals: lists must also be in the same order.'),
  contains: z.string().optional().describe('The value, as text, contains this substring.'),
  matches: regexOption().optional().describe('The value is a string matching this regular expression.'),
  sensitive: z
    .boolean()
    .optional()
    .describe(
      'true: the output must be declared sensitive = true (its value is then never shown); false: it must not be.',
    ),
  ...checkBase,
}).superRefine((o, ctx) => {
  const given = (['equals', 'contains', 'matches'] as const).filter((k) => k in o);
  if (given.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `expected at most one of equals, contains, matches; found ${given.join(' and ')}. Fix: keep one, or add a second terraform.output check`,
    });
  }
  if (o.ordered !== undefined && !('equals' in o)) {
    ctx.addIssue({ code: 'custom', path: ['ordered'], message: '"ordered" only applies to "equals". Fix: remove it' });
  }
});
type Options = z.output<typeof schema>;

export function judgeOutput(o: Options, show: ShowJson): Assertion[] {
  const outputs = show.values?.outputs ?? {};
  const out = outputs[o.name];
  const names = Object.keys(outputs);
  if (!out) {
    return [
      {
        ok: false,
        expected: `output "${o.name}" in state`,
        found: names.length ? `outputs: ${names.join(', ')}` : 'no outputs in state',
        message: `output "${o.name}" not found (state has ${names.length ? names.join(', ') : 'no outputs'})`,
        hint:
          o.hint ??
          (show.values?.root_module.resources.length
            ? `Declare output "${o.name}" and run apply (outputs reach the state on apply).`
            : NOTHING_APPLIED_HINT.replace('the resource', `output "${o.name}"`)),
      },
    ];
  }
  const result: Assertion[] = [];
  if (o.sensitive !== undefined) {
    const ok = out.sensitive === o.sensitive;
    result.push({
      ok,
      expected: `output ${o.name} ${o.sensitive ? 'is' : 'is not'} sensitive`,
      found: `output ${o.name} ${out.sensitive ? 'is' : 'is not'} sensitive`,
      message: ok
        ? `output ${o.name} ${o.sensitive ? 'is' : 'is not'} marked sensitive`
        : `output ${o.name} ${o.sensitive ? 'is not marked sensitive: plan and apply print its value' : 'is marked sensitive, so its value is hidden'}`,
      hint:
        o.hint ??
        (o.sensitive
          ? `Add sensitive = true to output "${o.name}" and apply again.`
          : `Remove sensitive = true from output "${o.name}" and apply again.`),
    });
  }
  const exp: Expectation =
    'equals' in o
      ? { path: 'value', equals: o.equals, ...(o.ordered !== undefined ? { ordered: o.ordered } : {}) }
      : o.contains !== undefined
        ? { path: 'value', contains: o.contains }
        : o.matches !== undefined
          ? { path: 'value', matches: o.matches }
          : { path: 'value', exists: true };
  if (o.sensitive !== undefined && exp.exists === true) return result;
  // A sensitive output's value is judged but never shown: the mask covers the whole value.
  const j = judge(exp, out, `output ${o.name}`, out.sensitive ? { value: true } : undefined);
  const strip = (s: string) => s.replace(`output ${o.name} value`, `output ${o.name}`);
  result.push({
    ok: j.ok,
    expected: strip(j.expected),
    found: strip(j.found),
    message: j.ok ? `output ${o.name} is as expected` : `expected ${strip(j.expected)}, found ${strip(j.found)}`,
    hint:
      o.hint ??
      (exp.exists ? `Declare output "${o.name}" and apply.` : 'Change the output expression and apply again.'),
  });
  return result;
}

export const terraformOutput = defineCheck({
  kind: 'terraform.output',
  title:
    'A root module output exists in state, optionally with a value (equals, contains, matches) and a sensitivity (sensitive: true).',
  schema,
  example: { kind: 'terraform.output', name: 'vpc_cidr', equals: '10.40.0.0/16' },
  async run(o, ctx) {
    return judgeOutput(o, await showJsonOf(ctx));
  },
});
