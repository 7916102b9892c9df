import type { Db } from "@/lib/db";
import type { ProviderConnection } from "@/lib/db/schema";
import { enqueueSync } from "./enqueue";
import { fetcherFor } from "./fetchers";

/**
 * A new (or renewed) connection starts its first sync at once — the backfill, newest data first —
 * so the user never has to find "Sync now". Push-only providers (Garmin) get their history by push
 * instead. Best effort: a failure here never undoes the connect; the hourly schedule catches up.
 */
export async function startInitialSync(db: Db, connection: ProviderConnection): Promise<void> {
  if (!fetcherFor(connection.provider) || connection.status !== "active") return;
  try {
    await enqueueSync(db, { connectionId: connection.id, trigger: "connect" });
  } catch (error) {
    console.warn(`[sync] ${connection.provider}: could not queue the first sync: ${error instanceof Error ? error.message : error}`);
  }
}
