/**
 * Command lines of a process cluster's control plane, as pure functions of its layout, so the
 * contract is readable in one place and unit-tested without starting anything.
 *
 * Every listener binds 127.0.0.1. etcd speaks TLS with client certificates (it holds the cluster's
 * Secrets; loopback is shared by every user of the machine). The API server authenticates clients
 * by certificate and authorises with Node,RBAC, like kind's; the controller-manager and the
 * scheduler run without leader election (one replica each) and serve health on loopback ports.
 */
import type { ClusterPki } from './cluster-pki.ts';

export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  etcdMetrics: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export interface ControlPlaneLayout {
  name: string;
  /** The cluster's folder: DOJO_HOME/clusters/<name>. */
  dir: string;
  pki: ClusterPki;
  ports: ControlPlanePorts;
  /** kubeconfigs per client, each with its own certificate. */
  kubeconfigs: { admin: string; controllerManager: string; scheduler: string };
  /** kwok's Stage objects (Nodes Ready, Pods Running/Ready/Succeeded). */
  kwokStages: string;
  /** etcd's backend quota in bytes (it refuses writes above it instead of filling the disk). */
  etcdQuotaBytes?: number;
}

export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.0/16';
/** The annotation kwok is told to manage Nodes by (no other Node of the cluster is touched). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export function etcdArgs(l: ControlPlaneLayout): string[] {
  const client = `https://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `https://127.0.0.1:${l.ports.etcdPeer}`;
  return [
    `--name=${l.name}`,
    `--data-dir=${l.dir}/etcd`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${l.name}=${peer}`,
    `--listen-metrics-urls=http://127.0.0.1:${l.ports.etcdMetrics}`,
    `--cert-file=${l.pki.etcdCert}`,
    `--key-file=${l.pki.etcdKey}`,
    `--trusted-ca-file=${l.pki.caCert}`,
    '--client-cert-auth=true',
    `--peer-cert-file=${l.pki.etcdCert}`,
    `--peer-key-file=${l.pki.etcdKey}`,
    `--peer-trusted-ca-file=${l.pki.caCert}`,
    '--peer-client-cert-auth=true',
    `--quota-backend-bytes=${l.etcdQuotaBytes ?? 512 * 1024 * 1024}`,
    // A sandbox keeps little history: compact hourly so the data folder stays small.
    '--auto-compaction-mode=periodic',
    '--auto-compaction-retention=1h',
    '--snapshot-count=10000',
    '--log-level=warn',
  ];
}

export function apiserverArgs(l: ControlPlaneLayout): string[] {
  return [
    `--etcd-servers=https://127.0.0.1:${l.ports.etcdClient}`,
    `--etcd-cafile=${l.pki.caCert}`,
    `--etcd-certfile=${l.pki.etcdClientCert}`,
    `--etcd-keyfile=${l.pki.etcdClientKey}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${l.ports.apiserver}`,
    `--tls-cert-file=${l.pki.apiserverCert}`,
    `--tls-private-key-file=${l.pki.apiserverKey}`,
    `--client-ca-file=${l.pki.caCert}`,
    '--authorization-mode=Node,RBAC',
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${l.pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${l.pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    // No kubelets, no kube-proxy: the "kubernetes" Service's endpoints would point at nothing we
    // run, and reconciling them against 127.0.0.1 fails; the sandbox does not need them.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
    // Without kubelets there is nobody to fetch logs or exec from: fail fast instead of hanging.
    '--kubelet-timeout=2s',
    '--event-ttl=30m',
  ];
}

export function controllerManagerArgs(l: ControlPlaneLayout): string[] {
  const kc = l.kubeconfigs.controllerManager;
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${l.ports.controllerManager}`,
    '--leader-elect=false',
    `--root-ca-file=${l.pki.caCert}`,
    `--service-account-private-key-file=${l.pki.serviceAccountKey}`,
    '--use-service-account-credentials=true',
    `--cluster-signing-cert-file=${l.pki.caCert}`,
    `--cluster-signing-key-file=${l.pki.caKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    // The default set: node lifecycle runs (kwok keeps the leases fresh); cloud controllers are
    // not part of kube-controller-manager any more, and node IPAM is off by default.
    '--controllers=*',
    '--profiling=false',
  ];
}

export function schedulerArgs(l: ControlPlaneLayout): string[] {
  const kc = l.kubeconfigs.scheduler;
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${l.ports.scheduler}`,
    '--leader-elect=false',
    '--profiling=false',
  ];
}

export function kwokArgs(l: ControlPlaneLayout): string[] {
  return [
    `--kubeconfig=${l.kubeconfigs.admin}`,
    `--config=${l.kwokStages}`,
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
    `--server-address=127.0.0.1:${l.ports.kwok}`,
    `--cidr=${POD_CIDR.replace(/\.0\/16$/, '.1/16')}`,
    '--node-ip=127.0.0.1',
    '--node-lease-duration-seconds=40',
  ];
}

/** The fake Node kwok manages: no taint, room for every lab's pods, Linux on this machine's arch. */
export function fakeNodeManifest(nodeName: string): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch,
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
        'dev.gitops-dojo/cluster': 'true',
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '250', 'ephemeral-storage': '100Gi' },
      capacity: { cpu: '32', memory: '256Gi', pods: '250', 'ephemeral-storage': '100Gi' },
      nodeInfo: {
        architecture: arch,
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        containerRuntimeVersion: 'kwok',
      },
    },
  });
}
