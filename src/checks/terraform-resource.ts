import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { expectationSchema, judge, type Expectation } from './expectation.ts';
import {
  allResources,
  backendOf,
  showJsonOf,
  stateLocation,
  type StateResource,
} from './evidence/terraform-evidence.ts';

const schema = z
  .strictObject({
    kind: z.literal('terraform.resource'),
    /** Full address, e.g. module.net.terraform_data.subnet["a"]. */
    address: z.string().optional(),
    /** Or match by type (and name), in any module unless `module` is given. */
    type: z.string().optional(),
    name: z.string().optional(),
    /** Module address, e.g. "module.net"; "" for the root module. */
    module: z.string().optional(),
    /** count index (number) or for_each key (string). */
    index: z.union([z.number(), z.string()]).optional(),
    /** How many instances must match (e.g. 2 for a for_each over two keys). Default: at least one. */
    count: z.number().int().nonnegative().optional(),
    attributes: z.array(expectationSchema).default([]),
    ...checkBase,
  })
  .refine((o) => o.address !== undefined || o.type !== undefined, {
    error: 'give either "address" or "type" (with optional "name")',
  });

type Options = z.output<typeof schema>;

function describeTarget(o: Options): string {
  if (o.address) return o.address;
  let s = o.type ?? '';
  if (o.name) s += `.${o.name}`;
  if (o.index !== undefined) s += `[${JSON.stringify(o.index)}]`;
  if (o.module !== undefined) s = `${o.module ? `${o.module}.` : ''}${s}`;
  return s;
}

export function matchResources(o: Options, resources: StateResource[]): StateResource[] {
  return resources.filter((r) => {
    if (r.mode !== 'managed') return false;
    if (o.address !== undefined) return r.address === o.address;
    if (o.type !== undefined && r.type !== o.type) return false;
    if (o.name !== undefined && r.name !== o.name) return false;
    if (o.module !== undefined && r.module !== o.module) return false;
    if (o.index !== undefined && r.index !== o.index) return false;
    return true;
  });
}

/** Pure judgement over the resources in state. */
export function judgeResources(o: Options, resources: StateResource[], location: string): Assertion[] {
  const target = describeTarget(o);
  const matched = matchResources(o, resources);
  const inState = resources.filter((r) => r.mode === 'managed').map((r) => r.address);
  const listed = inState.length ? inState.slice(0, 8).join(', ') + (inState.length > 8 ? ', …' : '') : 'no resources';
  const out: Assertion[] = [];
  if (o.count !== undefined) {
    out.push({
      ok: matched.length === o.count,
      expected: `${o.count} instance(s) of ${target} in state`,
      found: `${matched.length} (${matched.map((r) => r.address).join(', ') || 'none'})`,
      message:
        matched.length === o.count
          ? `${target}: ${o.count} instance(s) in ${location}`
          : `${target}: expected ${o.count} instance(s) in ${location}, found ${matched.length}`,
      hint: o.hint ?? 'Check count/for_each in the configuration, then apply.',
    });
  } else {
    out.push({
      ok: matched.length > 0,
      expected: `${target} in state`,
      found: matched.length ? matched.map((r) => r.address).join(', ') : `not in ${location} (state has ${listed})`,
      message: matched.length
        ? `${target} is in ${location}`
        : `${target} not found in ${location} (state has ${listed})`,
      hint: o.hint ?? 'Declare the resource with that exact type and name, then run apply.',
    });
  }
  if (matched.length === 0) return out;
  for (const exp of o.attributes as Expectation[]) {
    for (const r of matched) {
      const j = judge(exp, r.values, r.address);
      out.push({
        ...j,
        message: j.ok ? `${j.expected}` : `expected ${j.expected}, found ${j.found}`,
        hint: o.hint ?? 'Change the argument in the configuration and apply again.',
      });
    }
  }
  return out;
}

export const terraformResource = defineCheck({
  kind: 'terraform.resource',
  title:
    'A resource (by address, or type and name, in any module, count or for_each instance) is in state, with attribute expectations.',
  schema,
  example: {
    kind: 'terraform.resource',
    type: 'terraform_data',
    name: 'subnet',
    count: 2,
    attributes: [{ path: 'input.vpc', equals: '10.40.0.0/16' }],
  },
  async run(o, ctx) {
    const backend = await backendOf(ctx);
    const show = await showJsonOf(ctx);
    return judgeResources(o, allResources(show), stateLocation(backend));
  },
});
