// Fake kubectl for contract tests: see fake-cli.ts.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
appendFileSync(
  process.env.FAKE_CALLS,
  `${JSON.stringify(['kubectl', ...args, `KUBECONFIG=${process.env.KUBECONFIG ?? ''}`])}\n`,
);
const state = JSON.parse(readFileSync(process.env.FAKE_STATE, 'utf8'));
const ns = (() => {
  const i = args.indexOf('-n');
  return i >= 0 ? args[i + 1] : '';
})();

if (args[0] === 'get' && args[1] === '--raw') {
  if (state.ready) process.stdout.write('ok');
  else {
    process.stderr.write(
      'The connection to the server 127.0.0.1:40417 was refused - did you specify the right host or port?\n',
    );
    process.exit(1);
  }
} else if (args[0] === 'apply') {
  if (args.includes('-')) readFileSync(0, 'utf8');
  process.stdout.write('serverside-applied\n');
} else if (args[0] === 'get' && args[2] && !args[2].startsWith('-')) {
  const key = `${args[1]}/${ns}/${args[2]}`;
  const obj = state.objects?.[key];
  if (!obj) {
    process.stderr.write(`Error from server (NotFound): ${args[1]} "${args[2]}" not found\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(obj));
} else if (args[0] === 'get') {
  const key = `${args[1]}/${ns}`;
  const lists = state.lists?.[key] ?? [{ apiVersion: 'v1', kind: 'List', items: [] }];
  // Serve the lists in turn (the last one repeats): a cluster that becomes ready over time.
  process.stdout.write(JSON.stringify(lists[0]));
  if (lists.length > 1) {
    state.lists[key] = lists.slice(1);
    writeFileSync(process.env.FAKE_STATE, JSON.stringify(state));
  }
} else {
  process.stderr.write(`fake kubectl: unexpected arguments ${args.join(' ')}\n`);
  process.exit(2);
}
