import { describe, expect, it } from 'vitest';
import { resolveInside } from '../../src/runner/static-files.ts';

const root = '/srv/dist';

describe('resolveInside', () => {
  it('maps ordinary paths into the root', () => {
    expect(resolveInside(root, '/')).toBe('/srv/dist');
    expect(resolveInside(root, '/labs/terraform-state/')).toBe('/srv/dist/labs/terraform-state');
    expect(resolveInside(root, '/_astro/app.js')).toBe('/srv/dist/_astro/app.js');
  });

  it.each([
    ['/../etc/passwd'],
    ['/%2e%2e/%2e%2e/etc/passwd'],
    ['/%252e%252e/etc/passwd'],
    ['/..%2fetc%2fpasswd'],
    ['/foo%00.html'],
    ['/..%5c..%5cetc'],
    ['/%E0%A4%A'],
  ])('never escapes the root for %s', (attack) => {
    const resolved = resolveInside(root, attack);
    expect(resolved === null || resolved.startsWith('/srv/dist/') || resolved === '/srv/dist').toBe(true);
    // `..` is clamped at the root: the worst case is a file *inside* dist named like the target.
    expect(resolved === null || !resolved.startsWith('/etc')).toBe(true);
  });
});
