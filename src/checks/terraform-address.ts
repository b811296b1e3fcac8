/**
 * Terraform addresses as patterns, with Terraform's own meaning: an address without an instance
 * key names every instance (`module.envs` is every instance of a for_each or count module, as in
 * `terraform state list module.envs`), `module.envs["dev"]` / `module.pool[0]` one instance, and
 * `[*]` says "any instance" explicitly.
 */
import { z } from 'zod';

type Key = string | number | '*' | undefined;
interface Segment {
  name: string;
  key: Key;
}

export interface AddressPattern {
  modules: Segment[];
  /** Absent for a module-only pattern. */
  resource?: { mode: 'managed' | 'data'; type: string; name: string; key: Key };
}

const TOKEN = /([A-Za-z_][\w-]*)(?:\[(\d+|"(?:[^"\\]|\\.)*"|\*)\])?/y;

function tokens(text: string): Segment[] | null {
  const out: Segment[] = [];
  let i = 0;
  while (i < text.length) {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m || m[1] === undefined) return null;
    const raw = m[2];
    const key: Key =
      raw === undefined
        ? undefined
        : raw === '*'
          ? '*'
          : raw.startsWith('"')
            ? (JSON.parse(raw) as string)
            : Number(raw);
    out.push({ name: m[1], key });
    i = TOKEN.lastIndex;
    if (i < text.length) {
      if (text[i] !== '.') return null;
      i++;
      if (i === text.length) return null;
    }
  }
  return out;
}

function parseModules(list: Segment[]): { modules: Segment[]; rest: Segment[] } | null {
  const modules: Segment[] = [];
  let i = 0;
  while (list[i]?.name === 'module' && list[i]?.key === undefined) {
    const m = list[i + 1];
    if (!m) return null;
    modules.push(m);
    i += 2;
  }
  return { modules, rest: list.slice(i) };
}

/** `module.a["x"].module.b` → segments; "" → the root module; null when it is not a module address. */
export function parseModuleAddress(text: string): Segment[] | null {
  if (text === '') return [];
  const list = tokens(text);
  if (!list) return null;
  const parsed = parseModules(list);
  return parsed && parsed.rest.length === 0 && parsed.modules.length > 0 ? parsed.modules : null;
}

/** `module.net.terraform_data.subnet["a"]`, `data.x.y`, `terraform_data.vpc` → pattern; null when invalid. */
export function parseResourceAddress(text: string): AddressPattern | null {
  const list = tokens(text);
  if (!list) return null;
  const parsed = parseModules(list);
  if (!parsed) return null;
  let rest = parsed.rest;
  let mode: 'managed' | 'data' = 'managed';
  if (rest[0]?.name === 'data' && rest[0].key === undefined && rest.length === 3) {
    mode = 'data';
    rest = rest.slice(1);
  }
  const [type, name] = rest;
  if (rest.length !== 2 || !type || !name || type.key !== undefined) return null;
  return { modules: parsed.modules, resource: { mode, type: type.name, name: name.name, key: name.key } };
}

function keyMatches(pattern: Key, actual: Key): boolean {
  return pattern === undefined || pattern === '*' || pattern === actual;
}

/** Whether a module instance address from state (e.g. `module.envs["dev"]`) is matched by the pattern. */
export function moduleMatches(pattern: Segment[], moduleAddress: string): boolean {
  const actual = parseModuleAddress(moduleAddress);
  if (!actual || actual.length !== pattern.length) return false;
  return pattern.every((p, i) => p.name === actual[i]?.name && keyMatches(p.key, actual[i]?.key));
}

export function resourceMatches(
  pattern: AddressPattern,
  r: { module: string; mode: string; type: string; name: string; index?: number | string | undefined },
): boolean {
  const res = pattern.resource;
  if (!res) return false;
  return (
    moduleMatches(pattern.modules, r.module) &&
    r.mode === res.mode &&
    r.type === res.type &&
    r.name === res.name &&
    keyMatches(res.key, r.index)
  );
}

export const moduleAddressDescription =
  'Module address: "" for the root module only; module.net for the module net (every instance when it has for_each or count, as terraform state list module.net shows them); module.envs["dev"] or module.pool[0] for one instance; module.envs[*] for any instance, written explicitly; nested modules chain: module.app.module.db.';

export const moduleAddressSchema = z.string().refine((v) => parseModuleAddress(v) !== null, {
  error: (issue) =>
    `expected a module address such as module.net, module.envs["dev"], module.pool[0] or module.envs[*] ("" for the root module), found ${JSON.stringify(issue.input)}. Fix: start with "module." and quote for_each keys: module.envs["dev"]`,
});

export const resourceAddressSchema = z.string().refine((v) => parseResourceAddress(v) !== null, {
  error: (issue) =>
    `expected a resource address such as terraform_data.vpc, terraform_data.subnet["a"] or module.net.terraform_data.subnet[0], found ${JSON.stringify(issue.input)}. Fix: write TYPE.NAME, prefixed by module.NAME. for resources inside modules, with for_each keys in double quotes`,
});
