/**
 * JSON schemas for kubeconform, generated from the running API server's own OpenAPI v3 document,
 * so manifests are validated offline against exactly the Kubernetes version the lab deploys to.
 * (kubeconform's default downloads them from a GitHub repository, which machines without
 * internet, and this project's CI, cannot reach; no package registry ships them.)
 *
 * One file per kind in kubeconform's naming, `<kind><suffix>.json` (`namespace-v1.json`,
 * `deployment-apps-v1.json`), standalone: the definitions a kind uses are copied into its
 * `definitions` and `$ref`s point there. Strict like kubeconform's `-strict` schema sets: objects
 * with declared properties refuse unknown ones (a misspelt `spec.hardd` fails), except where the
 * API itself preserves unknown fields. int-or-string and quantities accept both.
 *
 *   kubeconform -strict -summary -schema-location "$DOJO_KUBECONFORM_SCHEMAS/{{ .ResourceKind }}{{ .KindSuffix }}.json" file.yaml
 *
 * Generated once per server version into DOJO_HOME/cache/kubeconform/<version>/ (about 1 s).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Kubectl } from './kubectl.ts';

/** The group-versions labs deploy (core, apps, batch, networking, RBAC, policy, autoscaling). */
export const SCHEMA_GROUP_VERSIONS = [
  'api/v1',
  'apis/apps/v1',
  'apis/batch/v1',
  'apis/networking.k8s.io/v1',
  'apis/rbac.authorization.k8s.io/v1',
  'apis/policy/v1',
  'apis/autoscaling/v2',
] as const;

type Json = Record<string, unknown>;

const gvkSchema = z.array(z.object({ group: z.string(), version: z.string(), kind: z.string() }));

/** kubeconform's file name for a kind: `-<first label of the group>-<version>`, core without group. */
export function schemaFileName(gvk: { group: string; version: string; kind: string }): string {
  const group = gvk.group ? `-${gvk.group.split('.')[0]?.toLowerCase() ?? ''}` : '';
  return `${gvk.kind.toLowerCase()}${group}-${gvk.version.toLowerCase()}.json`;
}

const REF = '#/components/schemas/';

/** Rewrites one OpenAPI v3 schema node into JSON schema (draft 7 as kubeconform reads it). Pure. */
function convert(node: unknown, uses: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, uses));
  if (!node || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) {
      const name = v.slice(REF.length);
      uses.add(name);
      out['$ref'] = `#/definitions/${name}`;
    } else if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, convert(s, uses)]));
    } else if (k !== 'nullable' && k !== 'format') {
      out[k] = convert(v, uses);
    }
  }
  if (src['x-kubernetes-int-or-string'] === true || src['format'] === 'int-or-string') {
    delete out['type'];
    out['oneOf'] = [{ type: 'string' }, { type: 'integer' }];
  }
  if (src['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  // Strict: declared properties only, unless the API keeps unknown fields or says what they are.
  if (
    out['properties'] &&
    out['additionalProperties'] === undefined &&
    src['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

/** Quantities are strings ("500m", "4Gi") or plain numbers in YAML. */
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** The standalone schema of every kind in one group-version document. Pure. */
export function schemasFromOpenApi(doc: unknown): Map<string, Json> {
  const components = ((doc as Json)?.['components'] as Json | undefined)?.['schemas'] as Json | undefined;
  const out = new Map<string, Json>();
  if (!components) return out;
  const converted = new Map<string, { schema: unknown; uses: Set<string> }>();
  const get = (name: string) => {
    let c = converted.get(name);
    if (!c) {
      const uses = new Set<string>();
      const schema =
        name === QUANTITY ? { oneOf: [{ type: 'string' }, { type: 'number' }] } : convert(components[name], uses);
      c = { schema, uses };
      converted.set(name, c);
    }
    return c;
  };
  for (const [name, raw] of Object.entries(components)) {
    const gvks = gvkSchema.safeParse((raw as Json)?.['x-kubernetes-group-version-kind']);
    if (!gvks.success || gvks.data.length !== 1) continue;
    const gvk = gvks.data[0];
    if (!gvk || gvk.kind.endsWith('List') || !(raw as Json)['properties']) continue;
    const root = get(name);
    const definitions: Json = {};
    const todo = [...root.uses];
    while (todo.length) {
      const d = todo.pop() as string;
      if (d in definitions || !(d in components)) continue;
      const c = get(d);
      definitions[d] = c.schema;
      todo.push(...c.uses);
    }
    out.set(schemaFileName(gvk), { ...(root.schema as Json), definitions });
  }
  return out;
}

/**
 * Writes the schemas of SCHEMA_GROUP_VERSIONS for the cluster `kubectl` talks to, once per server
 * version; returns the folder. An interrupted run leaves nothing half-written (a temporary folder
 * renamed at the end).
 */
export async function generateKubeconformSchemas(
  kubectl: Kubectl,
  cacheRoot: string,
): Promise<{ dir: string; files: number; generated: boolean }> {
  const version = z
    .object({ gitVersion: z.string() })
    .loose()
    .parse(JSON.parse(await kubectl.run(['get', '--raw', '/version'])));
  const dir = path.join(cacheRoot, version.gitVersion.replace(/[^\w.-]/g, '_'));
  if (existsSync(path.join(dir, 'namespace-v1.json'))) return { dir, files: -1, generated: false };
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  let files = 0;
  for (const gv of SCHEMA_GROUP_VERSIONS) {
    const doc = JSON.parse(await kubectl.run(['get', '--raw', `/openapi/v3/${gv}`], { timeoutMs: 30_000 })) as unknown;
    for (const [file, schema] of schemasFromOpenApi(doc)) {
      await writeFile(path.join(tmp, file), JSON.stringify(schema));
      files++;
    }
  }
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, files, generated: true };
}

/** kubeconform's -schema-location for a folder made by generateKubeconformSchemas. */
export function schemaLocation(dir: string): string {
  return `${dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}
