import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { judge } from './expectation.ts';
import { showJsonOf, type ShowJson } from './evidence/terraform-evidence.ts';

const schema = z.strictObject({
  kind: z.literal('terraform.output'),
  name: z.string(),
  equals: z.unknown().optional(),
  contains: z.string().optional(),
  matches: z.string().optional(),
  ...checkBase,
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
        hint: o.hint ?? `Declare output "${o.name}" and run apply (outputs reach the state on apply).`,
      },
    ];
  }
  const exp =
    o.equals !== undefined
      ? { path: 'value', equals: o.equals }
      : o.contains !== undefined
        ? { path: 'value', contains: o.contains }
        : o.matches !== undefined
          ? { path: 'value', matches: o.matches }
          : { path: 'value', exists: true };
  const shown = out.sensitive ? { value: '(sensitive)' } : out;
  const j = judge(exp, out, `output ${o.name}`);
  return [
    {
      ok: j.ok,
      expected: j.expected.replace(' value', ''),
      found:
        out.sensitive && !j.ok
          ? `output ${o.name} is sensitive and does not match`
          : judge(exp, shown, `output ${o.name}`).found.replace(' value', ''),
      message: j.ok
        ? `output ${o.name} is as expected`
        : `output ${o.name}: expected ${j.expected.replace(`output ${o.name} value `, '')}`,
      hint: o.hint ?? 'Change the output expression and apply again.',
    },
  ];
}

export const terraformOutput = defineCheck({
  kind: 'terraform.output',
  title: 'A root module output exists in state, optionally with a value (equals, contains, matches).',
  schema,
  example: { kind: 'terraform.output', name: 'website_endpoint', contains: 's3-website' },
  async run(o, ctx) {
    return judgeOutput(o, await showJsonOf(ctx));
  },
});
