/**
 * `dojo cluster`: the sandbox's cluster command. Labs call it from Terraform (a `terraform_data`
 * resource with create- and destroy-time provisioners), learners from the terminal:
 *
 *   dojo cluster create <name> [--keep-warm] [--label k=v]... [--json]
 *   dojo cluster list [--json]
 *   dojo cluster stop <name>       processes end, data stays (start it again with create)
 *   dojo cluster delete <name>     processes end, data goes
 *
 * With the process provider a cluster lives in DOJO_HOME/clusters/<name>; with Docker it is the
 * kind cluster `dojo-<name>`. Created inside a lab terminal, a cluster is owned by that runner
 * (DOJO_CLUSTER_OWNER, set in the sandbox environment): the runner stops it with the lab and
 * after a crash; created elsewhere it runs until `dojo cluster stop` or `delete`, like kind's.
 */
import { dojoHome as defaultDojoHome } from '../shared/paths.ts';
import {
  deleteProcessCluster,
  listProcessClusters,
  type ClusterSummary,
  ProcessCluster,
  stopProcessCluster,
} from '../sandbox/process-cluster.ts';
import { selectProvider } from '../sandbox/sandbox-provider.ts';
import { KindCli, kindDeleteArgs } from '../sandbox/kind-cluster.ts';
import { kindClusterName, kindProvider } from '../sandbox/cluster-provider.ts';
import { clusterNameSchema } from '../sandbox/process-cluster/cluster-record.ts';
import { parseOptions } from './parse-options.ts';
import { UsageError } from './usage-error.ts';
import path from 'node:path';

const HELP = `Usage: dojo cluster <create|list|stop|delete> [name] [options]

Sandbox Kubernetes clusters, with the provider DOJO_PROVIDER picks (auto: Docker when an engine
answers, else local processes).

  create <name> [--keep-warm] [--label k=v]... [--json]
                 Start the cluster (create it the first time; a stopped one comes back with its
                 objects). Prints its API server and kubeconfig (--json: { name, provider, server,
                 kubeconfig, how, seconds }).
  list [--json]  Clusters of this DOJO_HOME and whether they run
  stop <name>    End its processes, keep its data (process provider)
  delete <name>  End its processes and remove its data

  --keep-warm    Keep it running after the runner stops (until "dojo cluster stop")
  --label k=v    A label kept with the cluster (e.g. lab=multi-env-gitops)`;

function home(): string {
  return defaultDojoHome();
}

function ownerFromEnv(): { pid: number; startTime: string } | null {
  const raw = process.env['DOJO_CLUSTER_OWNER'];
  const m = raw ? /^(\d+):(\S+)$/.exec(raw) : null;
  return m ? { pid: Number(m[1]), startTime: m[2] ?? '' } : null;
}

export async function clusterCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      json: { type: 'boolean' },
      'keep-warm': { type: 'boolean' },
      label: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  const [action, name] = positionals;
  if (values.help || !action) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const needName = (): string => {
    if (!name) throw new UsageError(`"dojo cluster ${action}" needs a cluster name, e.g. dojo cluster ${action} dev`);
    const parsed = clusterNameSchema.safeParse(name);
    if (!parsed.success) throw new UsageError(`cluster name "${name}": ${parsed.error.issues[0]?.message}`);
    return name;
  };
  const choice = await selectProvider();

  if (action === 'list') {
    const clusters: (ClusterSummary | { name: string; state: string })[] =
      choice.provider === 'process'
        ? listProcessClusters(home())
        : (await new KindCli().list()).filter((n) => n.startsWith('dojo-')).map((n) => ({ name: n, state: 'running' }));
    if (values.json) console.log(JSON.stringify({ provider: choice.provider, clusters }, null, 2));
    else if (!clusters.length) console.log(`No clusters (${choice.provider} provider, DOJO_HOME ${home()}).`);
    else
      for (const c of clusters)
        console.log(
          `${c.name.padEnd(20)} ${c.state}${'server' in c && c.server ? `  ${c.server}` : ''}${
            'kubeconfig' in c && c.down.length
              ? `  (not running: ${c.down.join(', ')}; logs in ${path.join(path.dirname(c.kubeconfig), 'logs')}; "dojo cluster create ${c.name}" restarts it)`
              : ''
          }`,
        );
    return 0;
  }

  if (action === 'create') {
    const n = needName();
    const labels: Record<string, string> = {};
    for (const l of values.label ?? []) {
      const [k, ...v] = l.split('=');
      if (!k || !v.length) throw new UsageError(`expected --label key=value, found "${l}"`);
      labels[k] = v.join('=');
    }
    const t0 = Date.now();
    const onProgress = (message: string) => {
      if (!values.json) console.error(`  ${message}`);
    };
    if (choice.provider === 'process') {
      const owner = ownerFromEnv();
      const started = await new ProcessCluster({
        name: n,
        dojoHome: home(),
        keepWarm: values['keep-warm'] ?? owner === null,
        labels,
        owner: 'dojo cluster create',
        ...(owner ? { ownerProcess: owner } : {}),
        onProgress,
      }).start();
      const out = {
        name: n,
        provider: 'process',
        server: started.server,
        kubeconfig: started.kubeconfig,
        how: started.kind,
        seconds: Math.round((Date.now() - t0) / 100) / 10,
      };
      console.log(
        values.json
          ? JSON.stringify(out)
          : `Cluster ${n} ${out.how} in ${out.seconds} s: ${out.server}\nKUBECONFIG=${out.kubeconfig}`,
      );
      return 0;
    }
    const started = await kindProvider.startCluster({ name: n, dojoHome: home(), keepWarm: true, onProgress });
    const out = {
      name: started.name,
      provider: 'kind',
      server: started.server,
      kubeconfig: started.kubeconfig,
      how: started.how,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    console.log(
      values.json
        ? JSON.stringify(out)
        : `Cluster ${out.name} ${out.how} in ${out.seconds} s: ${out.server}\nKUBECONFIG=${out.kubeconfig}`,
    );
    return 0;
  }

  if (action === 'stop' || action === 'delete') {
    const n = needName();
    if (choice.provider === 'process') {
      const done = action === 'stop' ? await stopProcessCluster(home(), n) : await deleteProcessCluster(home(), n);
      console.log(
        done
          ? `Cluster ${n} ${action === 'stop' ? 'stopped (data kept)' : 'deleted'}.`
          : `No cluster ${n} in ${path.join(home(), 'clusters')}.`,
      );
      return 0;
    }
    const kindName = kindClusterName(n, home());
    await new KindCli().run(
      kindDeleteArgs(kindName, path.join(home(), 'kind', `${kindName}.kubeconfig`)),
      `delete ${kindName}`,
    );
    console.log(`Cluster ${kindName} deleted.`);
    return 0;
  }
  throw new UsageError(`unknown action "${action}". Expected create, list, stop or delete.`);
}
