import { z } from 'zod';
import type { Assertion } from '../shared/check-result.ts';
import { strictFields } from '../shared/strict-fields.ts';
import { closestName } from '../shared/closest-name.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';
import { expectationSchema, judge, type Expectation } from './expectation.ts';
import {
  moduleAddressDescription,
  moduleAddressSchema,
  moduleMatches,
  parseModuleAddress,
  parseResourceAddress,
  resourceAddressSchema,
  resourceMatches,
} from './terraform-address.ts';
import {
  allResources,
  backendOf,
  showJsonOf,
  stateLocation,
  type StateResource,
} from './evidence/terraform-evidence.ts';

const schema = strictFields({
  kind: z.literal('terraform.resource'),
  address: resourceAddressSchema
    .optional()
    .describe(
      'Resource address as Terraform prints it: terraform_data.vpc, module.net.terraform_data.subnet["a"], terraform_data.worker[0]. Without an instance key it matches every instance (terraform_data.subnet matches subnet["a"] and subnet["b"]); module parts follow the module address rules below.',
    ),
  type: z
    .string()
    .optional()
    .describe('Or match by resource type (e.g. terraform_data), in any module unless "module" is given.'),
  name: z.string().optional().describe('With type: the resource name in the configuration (the label after the type).'),
  module: moduleAddressSchema.optional().describe(moduleAddressDescription),
  index: z
    .union([z.number(), z.string()])
    .optional()
    .describe('With type: one instance, by count index (a number: 0, 1, …) or for_each key (a string: "a").'),
  count: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('How many instances must match exactly (e.g. 2 for a for_each over two keys). Default: at least one.'),
  attributes: z
    .array(expectationSchema)
    .default([])
    .describe('Expectations on the attribute values, checked on every matching instance.'),
  ...checkBase,
}).superRefine((o, ctx) => {
  if (o.address === undefined && o.type === undefined) {
    ctx.addIssue({
      code: 'custom',
      message:
        'expected "address" or "type" to say which resource. Fix: add address: terraform_data.vpc, or type: terraform_data (with name: vpc)',
    });
  }
  if (o.address !== undefined) {
    for (const k of ['type', 'name', 'module', 'index'] as const) {
      if (o[k] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `"${k}" cannot be combined with "address" (the address already says it). Fix: remove "${k}", or drop "address" and match by type/name/module/index`,
        });
      }
    }
  }
});

type Options = z.output<typeof schema>;

function describeTarget(o: Options): string {
  if (o.address) return o.address;
  let s = o.type ?? '';
  if (o.name) s += `.${o.name}`;
  if (o.index !== undefined) s += `[${JSON.stringify(o.index)}]`;
  if (o.module !== undefined) s = o.module ? `${o.module}.${s}` : `${s} (root module)`;
  return s;
}

export function matchResources(o: Options, resources: StateResource[]): StateResource[] {
  const address = o.address === undefined ? null : parseResourceAddress(o.address);
  const module = o.module === undefined ? null : parseModuleAddress(o.module);
  return resources.filter((r) => {
    if (address) return resourceMatches(address, r);
    if (r.mode !== 'managed') return false;
    if (o.type !== undefined && r.type !== o.type) return false;
    if (o.name !== undefined && r.name !== o.name) return false;
    if (module && !moduleMatches(module, r.module)) return false;
    if (o.index !== undefined && r.index !== o.index) return false;
    return true;
  });
}

/** Why nothing matched, when the state holds something close: "did you mean", module instances. */
function nearMiss(o: Options, resources: StateResource[]): string {
  const managed = resources.filter((r) => r.mode === 'managed');
  if (o.module) {
    const name = parseModuleAddress(o.module)?.[0]?.name;
    const instances = [...new Set(managed.map((r) => r.module))].filter((m) => m.startsWith(`module.${name ?? ''}`));
    if (instances.length) return `; the state has module instance(s) ${instances.slice(0, 6).join(', ')}`;
  }
  const target = o.address ?? `${o.type ?? ''}.${o.name ?? ''}`;
  const near = closestName(
    target,
    managed.map((r) => (o.address ? r.address : `${r.type}.${r.name}`)),
  );
  return near ? `; did you mean ${near}?` : '';
}

export const NOTHING_APPLIED_HINT =
  'The state is empty: nothing has been applied here yet. Run init (once per workspace), then apply; declare the resource first only if the configuration lacks it.';

/** Pure judgement over the resources in state. */
export function judgeResources(o: Options, resources: StateResource[], location: string): Assertion[] {
  const target = describeTarget(o);
  const matched = matchResources(o, resources);
  const inState = resources.filter((r) => r.mode === 'managed').map((r) => r.address);
  const listed = inState.length ? inState.slice(0, 8).join(', ') + (inState.length > 8 ? ', …' : '') : 'no resources';
  const out: Assertion[] = [];
  const miss = matched.length === 0 ? nearMiss(o, resources) : '';
  // An empty state almost always means "not applied yet", not "not declared" (issue 12: before
  // init, the starter's declared resources were reported as needing a declaration).
  const nothingApplied = inState.length === 0 ? NOTHING_APPLIED_HINT : undefined;
  if (o.count !== undefined) {
    const ok = matched.length === o.count;
    out.push({
      ok,
      expected: `${o.count} instance(s) of ${target} in state`,
      found: `${matched.length} (${matched.map((r) => r.address).join(', ') || `none; state has ${listed}`})`,
      message: ok
        ? `${target}: ${o.count} instance(s) in ${location}`
        : `${target}: expected ${o.count} instance(s) in ${location}, found ${matched.length}${miss}`,
      hint:
        o.hint ??
        nothingApplied ??
        (ok
          ? 'Check count/for_each in the configuration, then apply.'
          : matched.length > o.count
            ? 'There are more instances than expected: check the for_each map or count in the configuration (and remove what should not exist), then apply.'
            : 'There are fewer instances than expected: check the for_each map or count in the configuration, then apply.'),
    });
  } else {
    out.push({
      ok: matched.length > 0,
      expected: `${target} in state`,
      found: matched.length ? matched.map((r) => r.address).join(', ') : `not in ${location} (state has ${listed})`,
      message: matched.length
        ? `${target} is in ${location}`
        : `${target} not found in ${location} (state has ${listed})${miss}`,
      hint: o.hint ?? nothingApplied ?? 'Declare the resource with that exact type and name, then run apply.',
    });
  }
  if (matched.length === 0) return out;
  for (const exp of o.attributes as Expectation[]) {
    for (const r of matched) {
      const j = judge(exp, r.values, r.address, r.sensitive_values ?? {});
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
    attributes: [{ path: 'input.vpc', equals: 'platform-core' }],
  },
  async run(o, ctx) {
    const backend = await backendOf(ctx);
    const show = await showJsonOf(ctx);
    return judgeResources(o, allResources(show), stateLocation(backend));
  },
});
