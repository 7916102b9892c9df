import type { activities, dailySummaries, measurements, rawRecords, sleepSessions } from "@/lib/db/schema";

/**
 * Normalized rows as every source (provider fetchers, webhooks, phone bridges) produces them,
 * before the owning user is attached. Columns are SI: seconds, metres, kg, kcal, bpm, ms.
 */
type Row<T> = Omit<T, "id" | "userId" | "createdAt" | "updatedAt">;

export type ActivityRow = Row<typeof activities.$inferInsert>;
export type SleepRow = Row<typeof sleepSessions.$inferInsert>;
export type DailyRow = Row<typeof dailySummaries.$inferInsert>;
export type MeasurementRow = Row<typeof measurements.$inferInsert>;
export type RawRow = Omit<typeof rawRecords.$inferInsert, "id" | "userId" | "fetchedAt">;

export type NormalizedBatch = {
  activities: ActivityRow[];
  sleepSessions: SleepRow[];
  dailySummaries: DailyRow[];
  measurements: MeasurementRow[];
  raw: RawRow[];
};

export const emptyBatch = (): NormalizedBatch => ({
  activities: [],
  sleepSessions: [],
  dailySummaries: [],
  measurements: [],
  raw: [],
});

export type TableCounts = { inserted: number; updated: number; unchanged: number };
