// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { dojoRunnerIntegration } from './src/runner/astro-integration.ts';

// Static output: the runner (src/runner) serves dist/ and the API from one process, so the site
// itself needs no server adapter. `npm run dev` mounts the same API into Astro's dev server.
export default defineConfig({
  output: 'static',
  // Tests that build deliberately broken labs use their own cache so they never pollute the real one.
  ...(process.env.DOJO_ASTRO_CACHE_DIR ? { cacheDir: process.env.DOJO_ASTRO_CACHE_DIR } : {}),
  integrations: [mdx(), dojoRunnerIntegration()],
  server: { host: '127.0.0.1', port: 4321 },
  devToolbar: { enabled: false },
  // github-dark (Astro's default) prints comments at 3.04:1 on its background; github-dark-default
  // keeps the look with 6.2:1 comments (WCAG AA asks 4.5:1).
  markdown: { shikiConfig: { theme: 'github-dark-default' } },
  vite: {
    build: {
      // Never inline a script into the HTML: the runner's CSP is script-src 'self', which blocks
      // inline scripts. Other assets keep Vite's default limit.
      assetsInlineLimit: (file) => (/\.(m?js|ts)$/.test(file) ? false : undefined),
    },
  },
});
