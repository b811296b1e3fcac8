/**
 * Kubeconfig files for a process cluster. Certificates are embedded (base64 data, not paths) so a
 * kubeconfig can be copied, handed to Argo CD as a cluster Secret, or printed as a Terraform
 * output and still work.
 */
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { stringify as toYaml } from 'yaml';

export interface KubeconfigInput {
  /** Context, cluster and user name, e.g. "dojo-dev". */
  name: string;
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Default namespace of the context. */
  namespace?: string;
}

export async function kubeconfigYaml(input: KubeconfigInput): Promise<string> {
  const b64 = async (f: string) => (await readFile(f)).toString('base64');
  const [ca, cert, key] = await Promise.all([b64(input.caFile), b64(input.certFile), b64(input.keyFile)]);
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster: { server: input.server, 'certificate-authority-data': ca } }],
    users: [{ name: input.name, user: { 'client-certificate-data': cert, 'client-key-data': key } }],
    contexts: [
      {
        name: input.name,
        context: { cluster: input.name, user: input.name, ...(input.namespace ? { namespace: input.namespace } : {}) },
      },
    ],
    'current-context': input.name,
  });
}

export async function writeKubeconfig(file: string, input: KubeconfigInput): Promise<void> {
  await writeFile(file, await kubeconfigYaml(input), { mode: 0o600 });
  await chmod(file, 0o600);
}
