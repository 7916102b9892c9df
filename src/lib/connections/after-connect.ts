import { eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { providerConnections, type ProviderConnection } from "@/lib/db/schema";
import { isProviderId, providers, pullProvider } from "@/lib/providers";
import { enqueueSync } from "@/lib/sync/enqueue";
import { ProviderError, safeReason } from "@/lib/providers/shared/errors";
import { callCredentials } from "./call-credentials";

/**
 * After a connect: push-only providers (Garmin) are asked to push the user's history — the app may
 * not pull it — and the data arrives at the webhook like any other notice. Runs after the
 * connection is saved (so the pushes find it); best effort: a refusal is kept in
 * `meta.backfill.error` and never undoes the connect.
 */
export async function requestPushBackfill(db: Db, connection: ProviderConnection, now = new Date()): Promise<{ requested: number } | null> {
  if (!isProviderId(connection.provider)) return null;
  const backfill = providers[connection.provider].webhook?.backfill;
  if (!backfill) return null;
  const window = { from: new Date(now.getTime() - backfill.days * 86_400_000), to: now };
  let record: Record<string, unknown>;
  let requested = 0;
  try {
    const { ctx, tokens } = await callCredentials(db, connection);
    requested = await backfill.request(ctx, tokens, window);
    record = { requestedAt: now.toISOString(), from: window.from.toISOString(), to: window.to.toISOString(), requests: requested };
  } catch (error) {
    const reason = error instanceof ProviderError ? safeReason(error.message) : "the backfill request failed";
    console.warn(`[webhooks] ${connection.provider}: initial backfill: ${reason}`);
    record = { requestedAt: now.toISOString(), error: reason };
  }
  await db
    .update(providerConnections)
    .set({ meta: sql`${providerConnections.meta} || ${JSON.stringify({ backfill: record })}::jsonb` })
    .where(eq(providerConnections.id, connection.id));
  return { requested };
}

/**
 * A new (or renewed) connection starts its first sync at once — the backfill, newest data first —
 * so the user never has to find "Sync now". Push-only providers (Garmin) get their history by push
 * instead. Best effort: a failure here never undoes the connect; the hourly schedule catches up.
 */
export async function startInitialSync(db: Db, connection: ProviderConnection): Promise<void> {
  if (!pullProvider(connection.provider)?.fetcher || connection.status !== "active") return;
  try {
    await enqueueSync(db, { connectionId: connection.id, trigger: "connect" });
  } catch (error) {
    console.warn(`[sync] ${connection.provider}: could not queue the first sync: ${error instanceof Error ? error.message : error}`);
  }
}
