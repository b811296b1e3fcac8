// Fake kind v0.32.0 for contract tests: see fake-cli.ts.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
appendFileSync(process.env.FAKE_CALLS, `${JSON.stringify(['kind', ...args])}\n`);
const state = JSON.parse(readFileSync(process.env.FAKE_STATE, 'utf8'));
const save = () => writeFileSync(process.env.FAKE_STATE, JSON.stringify(state));
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const kubeconfig = (name) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:40417\n  name: kind-${name}\ncontexts:\n- context:\n    cluster: kind-${name}\n    user: kind-${name}\n  name: kind-${name}\ncurrent-context: kind-${name}\nusers:\n- name: kind-${name}\n  user: {}\n`;

if (state.failWith) {
  process.stderr.write(state.failWith.stderr);
  process.exit(state.failWith.exitCode);
}
const cmd = args.slice(0, 2).join(' ');
if (cmd === 'get clusters') {
  if (state.clusters.length === 0) process.stderr.write('No kind clusters found.\n');
  else process.stdout.write(state.clusters.map((c) => `${c}\n`).join(''));
} else if (cmd === 'create cluster') {
  const name = flag('--name');
  if (state.clusters.includes(name)) {
    process.stderr.write(
      `ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`Creating cluster "${name}" ...\n`);
  for (const line of state.createLines ?? []) process.stderr.write(`${line}\n`);
  readFileSync(flag('--config'), 'utf8'); // the config must exist, as for the real kind
  writeFileSync(flag('--kubeconfig'), kubeconfig(name));
  state.clusters.push(name);
  save();
} else if (cmd === 'delete cluster') {
  const name = flag('--name');
  process.stderr.write(`Deleting cluster "${name}" ...\n`);
  if (state.clusters.includes(name)) process.stderr.write(`Deleted nodes: ["${name}-control-plane"]\n`);
  state.clusters = state.clusters.filter((c) => c !== name);
  save();
} else if (cmd === 'get kubeconfig') {
  const name = flag('--name');
  if (!state.clusters.includes(name)) {
    process.stderr.write(
      `ERROR: could not locate any control plane nodes for cluster named '${name}'. Use the --name option to select a different cluster\n`,
    );
    process.exit(1);
  }
  process.stdout.write(kubeconfig(name));
} else {
  process.stderr.write(`fake kind: unexpected arguments ${args.join(' ')}\n`);
  process.exit(2);
}
