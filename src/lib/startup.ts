import { env, EnvError } from "@/lib/env";
import { getDbHandle } from "@/lib/db";

/** Server start-up: stop on bad configuration with one clear message; migrate the embedded database. */
export async function startServer() {
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  try {
    env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`\nHealthbridge cannot start.\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (!env().DATABASE_URL) await getDbHandle();
  (await import("@/lib/sync/start")).startBackgroundSync();
  (await import("@/lib/webhooks/start")).startWebhookProcessing();
  if (!process.env.VITEST) {
    const { getDb } = await import("@/lib/db");
    (await import("@/lib/import/runner")).startImportRunner(getDb, env().DATA_DIR);
  }
}
