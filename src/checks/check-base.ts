/** Fields every check accepts, besides its own. */
import { z } from 'zod';

export const checkBase = {
  hint: z
    .string()
    .optional()
    .describe(
      "Replaces the check's default fix when it fails: you know the likeliest mistake. Shown as plain text under the failing assertion.",
    ),
};

export function withHint<T extends { hint?: string | undefined }>(assertion: T, hint: string | undefined): T {
  return hint === undefined || assertion.hint !== undefined ? assertion : { ...assertion, hint };
}
