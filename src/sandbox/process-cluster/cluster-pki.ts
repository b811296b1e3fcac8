/**
 * The PKI of one process cluster, generated when the cluster is created and never taken from
 * anywhere else: a CA, the API server's serving certificate, client certificates for the admin
 * (system:masters), the controller-manager and the scheduler, etcd's serving and client
 * certificates, and the service-account signing key.
 *
 * Keys are ECDSA P-256 (ES256 for service-account tokens): generating one takes milliseconds,
 * where RSA 2048 takes hundreds, and Kubernetes, etcd and Argo CD accept it everywhere. Files are
 * written 0600 in a 0700 folder: they are the keys to the learner's sandbox cluster.
 *
 * Lifecycle: `ensureClusterPki(dir)` creates what is missing and returns the paths; an existing
 * PKI is kept (a restarted cluster must keep trusting its own certificates and kubeconfigs).
 */
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as X509 from '@peculiar/x509';

type X509Module = typeof X509;
let loaded: Promise<X509Module> | undefined;

/**
 * @peculiar/x509 and its ASN.1 stack are loaded the first time a cluster's PKI is made, not with
 * the runner: they added 100+ modules to every runner's heap, and most runs never create a
 * cluster (a larger heap makes every full GC dearer, which the terminal's throughput felt).
 */
function x509Module(): Promise<X509Module> {
  loaded ??= (async () => {
    await import('reflect-metadata'); // the library's decorators need it loaded first
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as Crypto);
    return x509;
  })();
  return loaded;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEARS = 10;

/** Where each file of the PKI lives, relative to nothing: absolute paths under the cluster's pki/. */
export interface ClusterPki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  schedulerCert: string;
  schedulerKey: string;
  etcdCert: string;
  etcdKey: string;
  etcdClientCert: string;
  etcdClientKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export function pkiPaths(dir: string): ClusterPki {
  const f = (name: string) => path.join(dir, name);
  return {
    dir,
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    apiserverCert: f('apiserver.crt'),
    apiserverKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    controllerManagerCert: f('controller-manager.crt'),
    controllerManagerKey: f('controller-manager.key'),
    schedulerCert: f('scheduler.crt'),
    schedulerKey: f('scheduler.key'),
    etcdCert: f('etcd.crt'),
    etcdKey: f('etcd.key'),
    etcdClientCert: f('etcd-client.crt'),
    etcdClientKey: f('etcd-client.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
  };
}

/** The API server's names: what kubectl, in-cluster clients and Argo CD's in-cluster destination use. */
export const APISERVER_SANS = {
  dns: [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ],
  ips: ['127.0.0.1', '10.96.0.1'],
};

type KeyPair = CryptoKeyPair;

async function newKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
}

async function keyPem(x509: X509Module, key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function publicKeyPem(x509: X509Module, key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('spki', key);
  return x509.PemConverter.encode(der, 'PUBLIC KEY');
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1'); // positive
}

function validity(): { notBefore: Date; notAfter: Date } {
  // A minute in the past: a freshly made certificate must be valid for a process whose clock reads it at once.
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + YEARS * 365 * 24 * 3600_000);
  return { notBefore, notAfter };
}

interface Leaf {
  /** X.500 name, e.g. "CN=dojo-admin, O=system:masters". */
  subject: string;
  usage: 'server' | 'client' | 'both';
  dns?: string[];
  ips?: string[];
}

async function issue(
  x509: X509Module,
  ca: { cert: X509.X509Certificate; keys: KeyPair },
  leaf: Leaf,
): Promise<{ cert: string; key: string }> {
  const keys = await newKeys();
  const eku: string[] = [];
  if (leaf.usage !== 'client') eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (leaf.usage !== 'server') eku.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(eku, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  const names = [
    ...(leaf.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(leaf.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: leaf.subject,
    issuer: ca.cert.subject,
    ...validity(),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await keyPem(x509, keys.privateKey) };
}

async function writeSecret(file: string, text: string): Promise<void> {
  await writeFile(file, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * Creates the cluster's PKI in `dir` unless it is already complete there. `clusterName` goes into
 * the CA's name so a learner reading a certificate can tell which sandbox cluster issued it.
 */
export async function ensureClusterPki(
  dir: string,
  clusterName: string,
): Promise<{ pki: ClusterPki; created: boolean }> {
  const pki = pkiPaths(dir);
  const files = Object.entries(pki)
    .filter(([k]) => k !== 'dir')
    .map(([, v]) => v);
  if (files.every((f) => existsSync(f))) return { pki, created: false };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);

  const x509 = await x509Module();
  const caKeys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=gitops-dojo ${clusterName} CA, O=gitops-dojo`,
    ...validity(),
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const ca = { cert: caCert, keys: caKeys };
  const [apiserver, admin, controllerManager, scheduler, etcd, etcdClient, saKeys] = await Promise.all([
    issue(x509, ca, {
      subject: 'CN=kube-apiserver',
      usage: 'server',
      dns: APISERVER_SANS.dns,
      ips: APISERVER_SANS.ips,
    }),
    issue(x509, ca, { subject: 'CN=dojo-admin, O=system:masters', usage: 'client' }),
    issue(x509, ca, { subject: 'CN=system:kube-controller-manager', usage: 'client' }),
    issue(x509, ca, { subject: 'CN=system:kube-scheduler', usage: 'client' }),
    issue(x509, ca, { subject: 'CN=etcd', usage: 'both', dns: ['localhost'], ips: ['127.0.0.1'] }),
    issue(x509, ca, { subject: 'CN=kube-apiserver-etcd-client', usage: 'client' }),
    newKeys(),
  ]);
  await Promise.all([
    writeSecret(pki.caCert, caCert.toString('pem')),
    writeSecret(pki.caKey, await keyPem(x509, caKeys.privateKey)),
    writeSecret(pki.apiserverCert, apiserver.cert),
    writeSecret(pki.apiserverKey, apiserver.key),
    writeSecret(pki.adminCert, admin.cert),
    writeSecret(pki.adminKey, admin.key),
    writeSecret(pki.controllerManagerCert, controllerManager.cert),
    writeSecret(pki.controllerManagerKey, controllerManager.key),
    writeSecret(pki.schedulerCert, scheduler.cert),
    writeSecret(pki.schedulerKey, scheduler.key),
    writeSecret(pki.etcdCert, etcd.cert),
    writeSecret(pki.etcdKey, etcd.key),
    writeSecret(pki.etcdClientCert, etcdClient.cert),
    writeSecret(pki.etcdClientKey, etcdClient.key),
    writeSecret(pki.serviceAccountKey, await keyPem(x509, saKeys.privateKey)),
    writeSecret(pki.serviceAccountPub, await publicKeyPem(x509, saKeys.publicKey)),
  ]);
  return { pki, created: true };
}

/** A file of the PKI as base64, the form kubeconfigs and Argo CD cluster Secrets embed. */
export async function base64Of(file: string): Promise<string> {
  return (await readFile(file)).toString('base64');
}
