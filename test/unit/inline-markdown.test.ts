import { describe, expect, it } from 'vitest';
import { inlineMarkdown } from '../../src/shared/inline-markdown.ts';

describe('inline Markdown for outcomes and hints', () => {
  it('renders code, strong, emphasis and safe links', () => {
    expect(inlineMarkdown('Run `$TF init`, then **apply** with *care* or _care_')).toBe(
      'Run <code>$TF init</code>, then <strong>apply</strong> with <em>care</em> or <em>care</em>',
    );
    expect(inlineMarkdown('[guide](/authoring/) and [docs](https://opentofu.org/docs/?a=1&b=2)')).toBe(
      '<a href="/authoring/">guide</a> and <a href="https://opentofu.org/docs/?a=1&amp;b=2">docs</a>',
    );
  });

  it('escapes HTML everywhere, inside code too, and drops unsafe link targets', () => {
    expect(inlineMarkdown('<script>alert(1)</script> `<b>x</b>`')).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; <code>&lt;b&gt;x&lt;/b&gt;</code>',
    );
    expect(inlineMarkdown('[x](javascript:alert(1)) [y](//evil.example)')).toBe(
      '[x](javascript:alert(1)) [y](//evil.example)',
    );
    expect(inlineMarkdown('[q](https://x.y/"onmouseover="alert(1))')).not.toContain('"onmouseover');
  });

  it('leaves snake_case names, lone asterisks and HCL braces alone', () => {
    expect(inlineMarkdown('terraform_data.subnet_a and 2 * 3 * 4')).toBe('terraform_data.subnet_a and 2 * 3 * 4');
    expect(inlineMarkdown('moved { from = a  to = b }')).toBe('moved { from = a  to = b }');
  });
});
