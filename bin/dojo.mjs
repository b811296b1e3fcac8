#!/usr/bin/env node
// Entry point of the `dojo` CLI. Plain JavaScript so that it can refuse an old Node with a clear
// message before Node tries (and fails) to load the TypeScript sources it runs directly.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `GitOps Dojo needs Node.js 22.18 or newer (found ${process.version}).\n` +
      'It runs its TypeScript sources directly, which older Node versions cannot do.\n' +
      'Fix: install Node 24 LTS (nvm install 24, brew install node@24, or winget install OpenJS.NodeJS.LTS).',
  );
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
// Exit explicitly: a child a failed command left behind must not keep the CLI alive (execa's
// cleanup stops the children it started when the process exits).
const code = await main(process.argv.slice(2));
// Let piped output drain first (pipes are asynchronous on macOS), then exit.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
