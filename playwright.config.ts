import { defineConfig, devices } from "@playwright/test";
import { demoEnv, demoFhirExportEnv } from "./e2e/simulator/clients";

// `npm test` (scripts/test.mjs) chooses free ports and a throwaway database and builds the app first.
const appPort = Number(process.env.E2E_APP_PORT ?? 3105);
const simulatorPort = Number(process.env.E2E_SIMULATOR_PORT ?? 4015);
const appUrl = `http://127.0.0.1:${appPort}`;
// A second instance of the same build configured with Garmin's OAuth 1.0a consumer only (the
// environment chooses Garmin's flow). On PostgreSQL both share one database, so an OAuth 1.0a
// connection made there can be migrated to OAuth 2.0 from the main instance. It also keeps a
// backfill reach of a little over three years (the main instance's is 120 days), for the one spec
// that backfills three years (google-health.spec.ts): Garmin, the only other provider connected
// there, is push-only and never walks a backfill, so nothing else runs longer.
const oauth1AppPort = Number(process.env.E2E_APP2_PORT ?? 3106);
const oauth1AppUrl = `http://127.0.0.1:${oauth1AppPort}`;
const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
/** Three years (1,096 days with a leap day) and a few days for the zones either side. */
const THREE_YEARS_BACKFILL_DAYS = 1100;

const pgliteDir = process.env.E2E_PGLITE_DIR ?? ".data/e2e-pglite";
const database = (instance: string): Record<string, string> =>
  process.env.E2E_DATABASE_URL
    ? { DATABASE_URL: process.env.E2E_DATABASE_URL }
    : { PGLITE_DIR: `${pgliteDir}${instance}`, DATABASE_URL: "" };

const appEnv = (url: string) => ({
  ...demoEnv(simulatorUrl),
  // The export to the simulator's FHIR server is offered; each user's switch (off by default) decides (fhir-export.spec.ts).
  ...demoFhirExportEnv(simulatorUrl),
  NODE_ENV: "production",
  APP_URL: url,
  NEXTAUTH_URL: url,
  NEXTAUTH_SECRET: "e2e-secret-e2e-secret-e2e-secret-e2e-secret",
  TOKEN_ENCRYPTION_KEYS: "e2e:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
  E2E_SIMULATOR_URL: simulatorUrl,
  NEXT_TELEMETRY_DISABLED: "1",
  // Generated histories in e2e are short; a shorter backfill cap keeps first syncs to a few windows.
  SYNC_BACKFILL_MAX_DAYS: "120",
  SYNC_POLL_MS: "500",
});

export default defineConfig({
  testDir: "./e2e",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json"]],
  use: {
    baseURL: appUrl,
    actionTimeout: 15_000,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          // A closed network: stop Chromium from reaching for Google's services at start.
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
          ],
        },
      },
    },
  ],
  webServer: [
    {
      command: `node_modules/.bin/tsx e2e/simulator/main.ts`,
      url: `${simulatorUrl}/__admin/stats`,
      // Provider notices (webhooks) go to the main app instance.
      env: { SIMULATOR_PORT: String(simulatorPort), SIMULATOR_WEBHOOK_TARGET: appUrl },
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `exec node_modules/.bin/next start -p ${appPort} -H 127.0.0.1`,
      url: `${appUrl}/api/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { ...appEnv(appUrl), ...database("") },
    },
    {
      command: `exec node_modules/.bin/next start -p ${oauth1AppPort} -H 127.0.0.1`,
      url: `${oauth1AppUrl}/api/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { ...appEnv(oauth1AppUrl), ...database("-oauth1"), GARMIN_CLIENT_ID: "", GARMIN_CLIENT_SECRET: "", SYNC_BACKFILL_MAX_DAYS: String(THREE_YEARS_BACKFILL_DAYS) },
    },
  ],
});
