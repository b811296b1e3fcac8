/**
 * A strict zod object whose "unknown field" error names the allowed fields and the nearest one:
 * `equal:` for `equals:` then reads "unknown field "equal". Fix: did you mean "equals"? Allowed
 * fields: path, equals, …" instead of zod's bare "Unrecognized key". Every object an author writes
 * (lab manifest, step, check options) is built with it.
 */
import { z } from 'zod';
import { closestName } from './closest-name.ts';

/** The message for unknown keys; exported so other strict schemas can phrase it the same way. */
export function unknownFieldsMessage(keys: readonly string[], allowed: readonly string[]): string {
  const first = keys[0] ?? '';
  const near = closestName(first, allowed);
  const names = keys.map((k) => `"${k}"`).join(', ');
  return `unknown field${keys.length > 1 ? 's' : ''} ${names}. Fix: ${near ? `did you mean "${near}"? ` : ''}Allowed fields here: ${allowed.join(', ')}`;
}

export function strictFields<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownFieldsMessage(issue.keys, allowed) : undefined),
  });
}
