import { and, asc, between, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { reconciledSleep, sleepSessions } from "@/lib/db/schema";
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

/** One night or nap, and each tracker's own record of it. */
export async function sleepDetail(db: Db, userId: string, id: string) {
  if (!z.uuid().safeParse(id).success) return null;
  await reconcilePending(db, userId);
  const [row] = await db.select().from(reconciledSleep).where(and(eq(reconciledSleep.userId, userId), eq(reconciledSleep.id, id)));
  if (!row) return null;
  const ids = row.copies.map((c) => c.id);
  const copyRows = ids.length ? await db.select().from(sleepSessions).where(and(eq(sleepSessions.userId, userId), inArray(sleepSessions.id, ids))) : [];
  const byId = new Map(copyRows.map((r) => [r.id, r]));
  return { night: row, copies: row.copies.map((c) => ({ ...c, primary: c.id === row.primaryId, row: byId.get(c.id) ?? null })) };
}
