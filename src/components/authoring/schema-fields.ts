/**
 * Rows for the authoring guide's field tables, generated from the zod schemas the build validates
 * with (through JSON Schema), so the reference cannot drift from what is accepted: each field's
 * name (nested fields as `baseline.step`, `attributes[].path`), its type or allowed values, whether
 * it is required, its default and its meaning (the schema's `.describe()`).
 */
import { z } from 'zod';

export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  default?: string | undefined;
  meaning: string;
  /** Nesting depth, for indentation. */
  depth: number;
}

type Json = Record<string, unknown>;

function typeOf(s: Json): string {
  if (Array.isArray(s['enum'])) return (s['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in s) return JSON.stringify(s['const']);
  if (Array.isArray(s['anyOf'])) return (s['anyOf'] as Json[]).map(typeOf).join(' | ');
  const t = s['type'];
  if (Array.isArray(t)) return t.map((x) => typeOf({ type: x })).join(' | ');
  switch (t) {
    case 'array': {
      const items = (s['items'] as Json | undefined) ?? {};
      return items['properties'] ? 'list of maps (fields below)' : `list of ${typeOf(items)}`;
    }
    case 'object':
      if (s['properties']) return 'map (fields below)';
      return s['additionalProperties'] && typeof s['additionalProperties'] === 'object'
        ? `map of name: ${typeOf(s['additionalProperties'] as Json)}`
        : 'map';
    case 'string':
      return s['pattern'] === '^[a-z0-9]+(?:-[a-z0-9]+)*$' ? 'kebab-case id' : 'text';
    case 'integer':
      return 'whole number';
    case 'number':
      return 'number';
    case 'boolean':
      return 'true | false';
    default:
      return 'any value (text, number, true/false, list or map)';
  }
}

function rows(json: Json, prefix: string, depth: number, skip: readonly string[]): FieldRow[] {
  const props = (json['properties'] as Record<string, Json> | undefined) ?? {};
  const required = new Set((json['required'] as string[] | undefined) ?? []);
  const out: FieldRow[] = [];
  for (const [name, s] of Object.entries(props)) {
    if (depth === 0 && skip.includes(name)) continue;
    const full = `${prefix}${name}`;
    out.push({
      name: full,
      type: typeOf(s),
      required: required.has(name) && !('default' in s),
      default: 'default' in s ? JSON.stringify(s['default']) : undefined,
      meaning: typeof s['description'] === 'string' ? s['description'] : '',
      depth,
    });
    const items = s['items'] as Json | undefined;
    if (s['type'] === 'object' && s['properties']) out.push(...rows(s, `${full}.`, depth + 1, skip));
    else if (s['type'] === 'array' && items?.['properties']) out.push(...rows(items, `${full}[].`, depth + 1, skip));
  }
  return out;
}

export function schemaFields(schema: z.ZodType, skip: readonly string[] = []): FieldRow[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rows(json, '', 0, skip);
}
