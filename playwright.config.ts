import { defineConfig } from '@playwright/test';
import { chromiumPath } from './test/e2e/chromium-path.ts';

const executablePath = chromiumPath();

// End-to-end tests drive the system Chromium (never a downloaded browser). The site is built once
// in globalSetup; each test file starts a runner on a free port (see test/e2e/fixtures.ts).
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  reporter: 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
  },
});
