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
// Keep V8's young generation at its initial size (it grows to 16 MiB per semi-space by default).
// With a young generation that large and a heap of this runner's size, V8 counts the old
// generation as "near its limit" all the time and runs one full mark-compact after another: on
// `npm run bench:terminal`'s floods that was 10-13 full GCs and 0.8 s of GC threads against 3 and
// 0.37 s with this setting, which trades them for frequent young GCs of 0.2-0.3 ms. The flag is
// read each time the young generation would grow, so setting it here, before the sources load, works.
const { setFlagsFromString } = await import('node:v8');
setFlagsFromString('--semi-space-growth-factor=1');
const { main } = await import('../src/cli/main.ts');
// Exit explicitly: a child a failed command left behind must not keep the CLI alive (execa's
// cleanup stops the children it started when the process exits).
const code = await main(process.argv.slice(2));
// Let piped output drain first (pipes are asynchronous on macOS), then exit.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
