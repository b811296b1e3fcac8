/** Fields every check accepts, besides its own. */
import { z } from 'zod';

export const checkBase = {
  /** Replaces the check's default hint when it fails: the lab author knows the likeliest mistake. */
  hint: z.string().optional(),
};

export function withHint<T extends { hint?: string | undefined }>(assertion: T, hint: string | undefined): T {
  return hint === undefined || assertion.hint !== undefined ? assertion : { ...assertion, hint };
}
