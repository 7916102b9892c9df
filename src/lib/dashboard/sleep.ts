import { and, asc, between, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { preparedPerHandle } from "@/lib/db/prepared";
import { reconciledSleep, sleepSessions } from "@/lib/db/schema";
import { toPgArray } from "@/lib/normalize/upsert";
import { reconcileUnless, type Reconciled } from "@/lib/reconcile/store";

const nightsQuery = preparedPerHandle((db) =>
  db
    .select()
    .from(reconciledSleep)
    .where(and(eq(reconciledSleep.userId, sql.placeholder("userId")), between(reconciledSleep.localDate, sql.placeholder("from"), sql.placeholder("to"))))
    .orderBy(asc(reconciledSleep.startAt))
    .prepare("sleep_nights"),
);

/** Nights and naps of a range, apart: a 25-minute nap is not a night. */
export async function sleepRange(db: Db, userId: string, range: { from: string; to: string }, done?: Reconciled) {
  await reconcileUnless(db, userId, done);
  const rows = await nightsQuery(db).execute({ userId, from: range.from, to: range.to });
  return { nights: rows.filter((r) => !r.isNap), naps: rows.filter((r) => r.isNap) };
}

export const STAGES = ["deepS", "lightS", "remS", "awakeS"] as const;
export const STAGE_LABELS: Record<(typeof STAGES)[number], string> = { deepS: "Deep", lightS: "Light", remS: "REM", awakeS: "Awake" };

// A night's page is a few small reads: their statements are built once per handle.
const nightQuery = preparedPerHandle((db) =>
  db
    .select()
    .from(reconciledSleep)
    .where(and(eq(reconciledSleep.userId, sql.placeholder("userId")), eq(reconciledSleep.id, sql.placeholder("id"))))
    .prepare("sleep_night"),
);
const copiesQuery = preparedPerHandle((db) =>
  db
    .select()
    .from(sleepSessions)
    .where(and(eq(sleepSessions.userId, sql.placeholder("userId")), sql`${sleepSessions.id} = ANY(${sql.placeholder("ids")}::uuid[])`))
    .prepare("sleep_night_copies"),
);

/** One night or nap, and each tracker's own record of it. `done`: this request already rebuilt the user's pending days. */
export async function sleepDetail(db: Db, userId: string, id: string, done?: Reconciled) {
  if (!z.uuid().safeParse(id).success) return null;
  await reconcileUnless(db, userId, done);
  const [row] = await nightQuery(db).execute({ userId, id });
  if (!row) return null;
  const ids = row.copies.map((c) => c.id);
  const copyRows = ids.length ? await copiesQuery(db).execute({ userId, ids: toPgArray(ids) }) : [];
  const byId = new Map(copyRows.map((r) => [r.id, r]));
  return { night: row, copies: row.copies.map((c) => ({ ...c, primary: c.id === row.primaryId, row: byId.get(c.id) ?? null })) };
}
