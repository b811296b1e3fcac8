import { buildSite, siteIsStale } from '../../src/runner/site-build.ts';
import { distDir } from '../../src/shared/paths.ts';

export default async function globalSetup(): Promise<void> {
  if (await siteIsStale(distDir)) await buildSite((line) => console.log(`[e2e] ${line}`));
}
