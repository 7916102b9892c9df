import { and, desc, eq, gt, inArray } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { webhookEvents } from "@/lib/db/schema";
import { safeReason } from "@/lib/providers/shared/errors";

/**
 * What the connection card shows about deliveries to `/api/webhooks/<provider>`: how many notices
 * for this connection were refused (ignored: not confirmed, wrong token, over a bound…) or failed
 * in the last days, and the latest reason. Rejected requests (bad signature, cut-off body) never
 * name a connection, so they are for the operator's log only.
 */

export type DeliveryIssues = { count: number; latestReason: string; latestAt: string };

export const DELIVERY_ISSUE_DAYS = 7;
/** Enough to count what a card shows; the per-connection bounds keep the real number small. */
const MAX_ROWS = 5_000;

export async function webhookDeliveryIssues(db: Db, userId: string, now = new Date(), days = DELIVERY_ISSUE_DAYS): Promise<Map<string, DeliveryIssues>> {
  const rows = await db
    .select({ connectionId: webhookEvents.connectionId, reason: webhookEvents.reason, receivedAt: webhookEvents.receivedAt })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.userId, userId),
        inArray(webhookEvents.status, ["ignored", "failed"]),
        gt(webhookEvents.receivedAt, new Date(now.getTime() - days * 86_400_000)),
      ),
    )
    .orderBy(desc(webhookEvents.receivedAt))
    .limit(MAX_ROWS);
  const out = new Map<string, DeliveryIssues>();
  for (const r of rows) {
    if (!r.connectionId) continue;
    const seen = out.get(r.connectionId);
    if (seen) seen.count++;
    else out.set(r.connectionId, { count: 1, latestReason: safeReason(r.reason ?? "no reason recorded"), latestAt: r.receivedAt.toISOString() });
  }
  return out;
}
