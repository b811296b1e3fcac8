import { describe, expect, it } from 'vitest';
import { checkKinds, closestKind, findCheckKind } from '../../src/checks/registry.ts';

describe('check registry', () => {
  it('has unique kinds, and every example validates against its own schema', () => {
    const names = checkKinds.map((k) => k.kind);
    expect(new Set(names).size).toBe(names.length);
    for (const k of checkKinds) {
      const r = k.schema.safeParse(k.example);
      expect(r.success, `${k.kind}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
      expect(k.title.length).toBeGreaterThan(20);
    }
  });

  it('includes the kinds the lab engine promises', () => {
    for (const kind of [
      'terraform.resource',
      'terraform.output',
      'terraform.backend',
      'terraform.noDrift',
      'terraform.stateMeta',
      'terraform.lock',
      's3.bucket',
      's3.object',
      'dynamodb.item',
      'git.commit',
      'http.get',
      'command',
    ]) {
      expect(findCheckKind(kind), kind).toBeDefined();
    }
  });

  it('suggests the closest kind for a typo and nothing for nonsense', () => {
    expect(closestKind('terraform.resouce')).toBe('terraform.resource');
    expect(closestKind('s3.bukket')).toBe('s3.bucket');
    expect(closestKind('kubernetes.deployment.rollout.status')).toBeUndefined();
  });
});
