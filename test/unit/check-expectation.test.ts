import { describe, expect, it } from 'vitest';
import { deepEqual, expectationSchema, isSensitive, judge, redact } from '../../src/checks/expectation.ts';
import { moduleMatches, parseModuleAddress, parseResourceAddress } from '../../src/checks/terraform-address.ts';
import { closestName } from '../../src/shared/closest-name.ts';

describe('equality, sensitivity and paths', () => {
  it('compares maps in any key order and lists as collections unless ordered', () => {
    expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [2, 1] }, a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1], true)).toBe(false);
    expect(deepEqual([1, 1, 2], [1, 2, 2])).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
  });

  it('masks exactly what sensitive_values marks', () => {
    const value = { engine: 'postgres', password: 'p', tags: [{ k: 's' }, { k: 'x' }] };
    const mask = { password: true, tags: [{ k: true }, {}] };
    expect(redact(value, mask)).toEqual({
      engine: 'postgres',
      password: '(sensitive)',
      tags: [{ k: '(sensitive)' }, { k: 'x' }],
    });
    expect(isSensitive(mask, 'password')).toBe(true);
    expect(isSensitive(mask, 'engine')).toBe(false);
    expect(isSensitive(mask, 'tags')).toBe(true);
    const j = judge(expectationSchema.parse({ path: 'password', equals: 'q' }), value, 'db', mask);
    expect(j).toEqual({
      ok: false,
      expected: 'db password = "q"',
      found: 'db password = (sensitive) (marked sensitive in state, so not shown)',
    });
  });

  it('wants exactly one operator per expectation, and ordered only with equals', () => {
    expect(expectationSchema.safeParse({ path: 'a' }).error?.issues[0]?.message).toMatch(/exactly one of/);
    expect(expectationSchema.safeParse({ path: 'a', exists: true, ordered: true }).error?.issues[0]?.message).toMatch(
      /"ordered" only applies to "equals"/,
    );
  });

  it('reads module and resource addresses the way Terraform writes them', () => {
    expect(parseResourceAddress('module.envs["d.e"].module.db[0].terraform_data.x[*]')).toEqual({
      modules: [
        { name: 'envs', key: 'd.e' },
        { name: 'db', key: 0 },
      ],
      resource: { mode: 'managed', type: 'terraform_data', name: 'x', key: '*' },
    });
    expect(parseResourceAddress('module.x')).toBeNull();
    expect(parseModuleAddress('envs')).toBeNull();
    expect(moduleMatches(parseModuleAddress('module.envs')!, 'module.envs["dev"]')).toBe(true);
    expect(moduleMatches(parseModuleAddress('module.envs["dev"]')!, 'module.envs["prod"]')).toBe(false);
    expect(moduleMatches(parseModuleAddress('module.a')!, 'module.a.module.b')).toBe(false);
    expect(moduleMatches(parseModuleAddress('')!, '')).toBe(true);
  });

  it('suggests a near name only when it is a plausible typo', () => {
    expect(closestName('equal', ['path', 'equals', 'contains'])).toBe('equals');
    expect(closestName('loacl', ['local', 'gitops'])).toBe('local');
    expect(closestName('kubernetes', ['local', 'gitops'])).toBeUndefined();
  });
});
