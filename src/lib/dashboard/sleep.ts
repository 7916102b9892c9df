import { and, asc, between, eq } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { reconciledSleep } from "@/lib/db/schema";
import { reconcilePending } from "@/lib/reconcile/store";

/** Nights and naps of a range, apart: a 25-minute nap is not a night. */
export async function sleepRange(db: Db, userId: string, range: { from: string; to: string }) {
  await reconcilePending(db, userId);
  const rows = await db
    .select()
    .from(reconciledSleep)
    .where(and(eq(reconciledSleep.userId, userId), between(reconciledSleep.localDate, range.from, range.to)))
    .orderBy(asc(reconciledSleep.startAt));
  return { nights: rows.filter((r) => !r.isNap), naps: rows.filter((r) => r.isNap) };
}

export const STAGES = ["deepS", "lightS", "remS", "awakeS"] as const;
export const STAGE_LABELS: Record<(typeof STAGES)[number], string> = { deepS: "Deep", lightS: "Light", remS: "REM", awakeS: "Awake" };
