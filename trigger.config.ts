import { defineConfig } from "@trigger.dev/sdk";

/**
 * Trigger.dev v4 project config. The tasks in ./trigger are thin wrappers over src/lib/sync; they
 * need the app's DATABASE_URL (PostgreSQL), TOKEN_ENCRYPTION_KEYS and provider credentials in the
 * Trigger.dev environment. Without TRIGGER_SECRET_KEY the app runs the same functions in-process.
 */
export default defineConfig({
  project: process.env.TRIGGER_PROJECT_REF ?? "proj_healthbridge",
  dirs: ["./trigger"],
  // A 10-year backfill of a rate-limited provider takes a while; reschedules wait in checkpoints, not here.
  maxDuration: 3600,
  retries: {
    enabledInDev: false,
    default: { maxAttempts: 3, minTimeoutInMs: 5_000, maxTimeoutInMs: 60_000, factor: 2, randomize: true },
  },
  build: {
    // Workers always use PostgreSQL; the embedded database stays out of the bundle.
    external: ["@electric-sql/pglite"],
  },
});
