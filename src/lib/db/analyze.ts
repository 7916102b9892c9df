import { getTableName, sql, type Table } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { activities, dailySummaries, dailyValues, measurements, rawRecords, reconciledActivities, reconciledSleep, sleepSessions } from "@/lib/db/schema";

/**
 * Fresh planner statistics after a large write. Autovacuum gets there eventually, but right after a
 * ten-year backfill or an export import the planner still believes the tables are nearly empty
 * and picks plans that scan every row (issue 17: the activities query scanned all 51k rows).
 */

/** Rows written (inserted + updated) from which a sync run or an import re-analyzes its tables. */
export const BULK_WRITE_ROWS = 10_000;

/** The tables a sync run or an import writes, and the reconciled ones rebuilt from them. */
export const HEALTH_DATA_TABLES: readonly Table[] = [
  activities,
  sleepSessions,
  dailySummaries,
  measurements,
  rawRecords,
  dailyValues,
  reconciledActivities,
  reconciledSleep,
];

/**
 * ANALYZE `tables`. SKIP_LOCKED: a table another ANALYZE or VACUUM holds is left to it rather than
 * waited for. A failure is logged, never thrown: stale statistics cost speed, not correctness.
 */
export async function analyzeAfterBulkWrite(db: Db, tables: readonly Table[] = HEALTH_DATA_TABLES): Promise<void> {
  if (!tables.length) return;
  const names = tables.map((t) => `"${getTableName(t)}"`).join(", ");
  try {
    await db.execute(sql.raw(`ANALYZE (SKIP_LOCKED) ${names}`));
  } catch (err) {
    console.error(`ANALYZE ${names} failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
}
