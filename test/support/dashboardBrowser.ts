import type { Browser } from 'playwright-core';
import type { RouteModule } from '../../app/http/buildApi.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { gitRoutes } from '../../app/http/routes/git.js';
import { forecastRoutes } from '../../app/http/routes/forecast.js';
import { dashboardRoutes } from '../../app/http/routes/dashboard.js';
import { launchChromium } from './chromium.js';
import { startTestServer, type TestServer } from './server.js';

export interface DashboardBrowser {
  s: TestServer;
  browser: Browser;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/**
 * Headless Chromium and a real server with the dashboard and the routes its page reads (by default
 * all of them: progress, git evidence, forecast).
 */
export async function startDashboardBrowser(label: string, routes: RouteModule[] = [progressRoutes, gitRoutes, forecastRoutes, dashboardRoutes]): Promise<DashboardBrowser> {
  const browser = await launchChromium();
  let s: TestServer;
  try {
    s = await startTestServer(label, { start: { routes } });
  } catch (err) {
    await browser.close();
    throw err;
  }
  return {
    s,
    browser,
    async close() {
      await browser.close();
      await s.close();
    },
  };
}
