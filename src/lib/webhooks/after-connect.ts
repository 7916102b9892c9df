import { eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { providerConnections, type ProviderConnection } from "@/lib/db/schema";
import { isProviderId, providers } from "@/lib/providers";
import { ProviderError, safeReason } from "@/lib/providers/shared/errors";
import { GARMIN_INITIAL_BACKFILL_DAYS } from "@/lib/providers/garmin/webhook";
import { credentials } from "./process";

/**
 * After a connect: push-only providers (Garmin) are asked to push the user's history — the app may
 * not pull it — and the data arrives at the webhook like any other notice. Runs after the
 * connection is saved (so the pushes find it); best effort: a refusal is kept in
 * `meta.backfill.error` and never undoes the connect.
 */
export async function afterConnect(db: Db, connection: ProviderConnection, now = new Date()): Promise<{ requested: number } | null> {
  if (!isProviderId(connection.provider)) return null;
  const backfill = providers[connection.provider].webhook?.backfill;
  if (!backfill) return null;
  const window = { from: new Date(now.getTime() - GARMIN_INITIAL_BACKFILL_DAYS * 86_400_000), to: now };
  let record: Record<string, unknown>;
  let requested = 0;
  try {
    const { ctx, tokens } = await credentials(db, connection);
    requested = await backfill(ctx, tokens, window);
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
