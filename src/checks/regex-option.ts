/**
 * A check option holding a regular expression. It is compiled when the lab loads (build, CLI,
 * runner), with the flags the check will use, so an invalid pattern fails the build with the
 * engine's own reason instead of surfacing as a crash on the learner's first check.
 */
import { z } from 'zod';

export function regexOption(flags = '') {
  return z.string({ error: 'expected a regular expression as a string' }).superRefine((pattern, ctx) => {
    try {
      new RegExp(pattern, flags);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        input: pattern,
        message: `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}. Fix: escape characters meant literally (\\. \\( \\) \\[ \\] \\+ \\?) or close the group; in YAML prefer single quotes, where a backslash is kept as written`,
      });
    }
  });
}
